package cli

import "context"

func runAccounts(ctx context.Context, env *Env, args []string) error { return nil }
