package cli

import "context"

func runKeys(ctx context.Context, env *Env, args []string) error { return nil }
