package cli

import (
	"flag"
	"log/slog"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/logging"
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

// logger is the command's logger at the configured level and format, on
// stderr, with the request's or job's attributes on every line.
func logger(env *Env, cfg *config.Config) *slog.Logger {
	return logging.New(env.Stderr, cfg.LogFormat, cfg.LogLevel)
}
