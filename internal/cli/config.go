package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"slices"

	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/logging"
)

// Flag sets of the commands: each command registers only the
// configuration flags it uses, so its --help lists nothing it ignores.
var (
	// flagsDatabase are what every command that opens the database reads.
	flagsDatabase = []string{"database-url", "data-dir", "log-level"}
	// flagsSync are sync's: the database, the clients and the export.
	flagsSync = append(slices.Clone(flagsDatabase), "xero-client-id", "xero-base-url", "xero-tier",
		"shipstation-base-url", "overlap", "backfill")
)

// configFlags reads the configuration from the environment and registers
// every flag that overrides it on fs (serve, which uses them all). Parse
// fs before using the result.
func configFlags(env *Env, fs *flag.FlagSet) (*config.Config, error) {
	return configFlagsFor(env, fs, nil)
}

// configFlagsFor is configFlags with only the named flags registered (nil:
// all of them); the rest of the configuration still comes from the
// environment.
func configFlagsFor(env *Env, fs *flag.FlagSet, names []string) (*config.Config, error) {
	cfg, err := config.FromEnv(env.LookupEnv)
	if err != nil {
		return nil, err
	}
	if names == nil {
		cfg.RegisterFlags(fs)
		return &cfg, nil
	}
	all := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.RegisterFlags(all)
	for _, n := range names {
		f := all.Lookup(n)
		if f == nil {
			panic("cli: no configuration flag " + n) // a typo in the lists above
		}
		fs.Var(f.Value, f.Name, f.Usage)
	}
	return &cfg, nil
}

// envHelp is what the environment variables that have no flag (secrets,
// and a few settings) mean, for the Environment section of --help.
var envHelp = map[string]string{
	config.EnvSecretKey: "the key that seals connection secrets (base64 of 32 bytes, `orderbridge keys generate`); " +
		"required on PostgreSQL, else <data-dir>/secret.key",
	config.EnvSecretKeysPrevious: "older keys, comma-separated, that still open what they sealed (during a key rotation)",
	config.EnvXeroClientSecret:   "the Xero app's client secret",
	config.EnvXeroWebhookKey:     "the Xero webhook signing key (empty: POST /webhooks/xero is off)",
	config.EnvXeroReserve:        "percent of Xero's day limit kept for write-back (default 20)",
	config.EnvXeroTimeScale:      "shortens Xero's pacing minute, for a Xero emulator only",
}

// withEnv adds an Environment section naming vars (envHelp's) to fs's
// --help, after the flags, whose usage names each flag's variable.
func withEnv(fs *flag.FlagSet, vars ...string) {
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		out := fs.Output()
		fmt.Fprintln(out, "\nEnvironment (no flag: secrets never go on a command line):")
		for _, v := range vars {
			fmt.Fprintf(out, "  %s\n    \t%s\n", v, envHelp[v])
		}
		fmt.Fprintln(out, "\nEach flag's variable is named in its description; a flag overrides it.")
	}
}

// logger is the command's logger at the configured level and format, on
// stderr, with the request's or job's attributes on every line.
func logger(env *Env, cfg *config.Config) *slog.Logger {
	return logging.New(env.Stderr, cfg.LogFormat, cfg.LogLevel)
}
