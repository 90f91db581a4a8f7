package cli

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/app"
)

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "migrate", "migrate [flags]",
		"Bring the database schema (orderbridge's tables and River's) up to date, then exit. Safe to run\n"+
			"again, and from several processes at once on PostgreSQL. Configuration comes from the environment\n"+
			"(see doc/configuration.md); flags override it. It reads no secret: the secret key is not needed.\n"+
			"A database migrated by a newer orderbridge is refused, naming both versions.")
	cfg, err := configFlagsFor(env, fs, flagsDatabase)
	if err != nil {
		return err
	}
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if err := app.Migrate(ctx, *cfg, logger(env, cfg)); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database: %s\nschema: up to date\n", cfg.DatabaseRedacted())
	return nil
}
