package cli

import (
	"flag"
	"log/slog"

	"github.com/orderbridge/orderbridge/internal/config"
)

// configFlags reads the configuration from the environment and registers
// the flags that override it on fs. Parse fs before using the result.
func configFlags(env *Env, fs *flag.FlagSet) (*config.Config, error) {
	cfg, err := config.FromEnv(env.LookupEnv)
	if err != nil {
		return nil, err
	}
	cfg.RegisterFlags(fs)
	return &cfg, nil
}

// logger is the command's logger at the configured level, on stderr.
func logger(env *Env, cfg *config.Config) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
}
