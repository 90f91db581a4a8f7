package cli

import (
	"context"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "serve", "serve [--migrate] [flags]",
		"Run orderbridge: the web app on --http (default "+config.DefaultHTTPAddr+"; empty for a worker-only\n"+
			"process), /metrics (only there), /healthz and /readyz on --metrics-addr if given, the export worker and\n"+
			"the periodic sweep, until interrupted. Configuration comes from\n"+
			"the environment (see doc/configuration.md); flags override it. On PostgreSQL an out-of-date\n"+
			"schema stops the start unless --migrate is given (or `orderbridge migrate` ran); SQLite always\n"+
			"migrates. Run as many serve processes on one PostgreSQL database as you like; a SQLite file takes\n"+
			"one process at a time (serve, sync or migrate).")
	cfg, err := configFlags(env, fs)
	if err != nil {
		return err
	}
	migrate := fs.Bool("migrate", false, "bring the schema up to date before starting")
	withEnv(fs, config.EnvSecretKey, config.EnvSecretKeysPrevious, config.EnvXeroClientSecret, config.EnvXeroWebhookKey,
		config.EnvXeroReserve, config.EnvXeroTimeScale)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	a, err := app.New(ctx, *cfg, app.Options{Logger: logger(env, cfg), Migrate: *migrate, ServeWeb: true})
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}
