// Package cli implements orderbridge's command line: one subcommand per
// file, each with its own flag set and --help. It is the only package that
// turns flags into configuration, so the rest of the code never reads
// os.Args or the environment directly.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/orderbridge/orderbridge/internal/logging"
)

// Env is what a subcommand may touch of the outside world. Tests build one
// with buffers in place of the standard streams.
type Env struct {
	// Stdin is where a password or key is read from when it is not typed
	// at a terminal (--password-stdin); nil reads nothing.
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// LookupEnv reads an environment variable and whether it is set (an
	// empty ORDERBRIDGE_HTTP_ADDR is not an unset one); tests replace it.
	LookupEnv func(string) (string, bool)
	// Logger is the structured logger for the command's work.
	Logger *slog.Logger
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// errUsage marks a mistake in the command line: its message has been printed
// with the usage already, and the exit code is 2.
var errUsage = errors.New("usage")

func commands() []command {
	return []command{
		{"accounts", "list the merchants' accounts and their health, or delete one with everything it owns", runAccounts},
		{"demo", "run the whole product on seeded emulators, printing every URL and credential", runDemo},
		{"emulate", "run an API emulator (xero or shipstation) for development and tests", runEmulate},
		{"healthcheck", "ask a running orderbridge on this machine for /healthz (a container's HEALTHCHECK)", runHealthcheck},
		{"keys", "generate a secret key, or rotate the key that seals connection secrets", runKeys},
		{"migrate", "bring the database schema up to date", runMigrate},
		{"serve", "run the export worker and the periodic sweep", runServe},
		{"sync", "run one export now and print a summary (--dry-run: what would be sent)", runSync},
		{"users", "create users (the first admin too), reset a password, disable, enable, list", runUsers},
		{"version", "print the version of this build", runVersion},
	}
}

// Main runs orderbridge with the given arguments (without the program name)
// and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	env := &Env{
		Stdin:     os.Stdin,
		Stdout:    stdout,
		Stderr:    stderr,
		LookupEnv: os.LookupEnv,
		Logger:    logging.New(stderr, logging.FormatLogfmt, slog.LevelInfo),
	}
	return run(ctx, env, args)
}

func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, env, []string{args[1], "--help"})
		}
		printUsage(env.Stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil, errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(env.Stderr, "orderbridge %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "orderbridge: unknown command %q\n\n", args[0])
	printUsage(env.Stderr)
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "orderbridge keeps Xero invoices and ShipStation orders in step.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: orderbridge <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'orderbridge <command> --help' for a command's flags.")
}

// newFlagSet returns a flag set whose --help prints the command's usage
// line, summary and flags to stdout, and whose errors go to stderr.
func newFlagSet(env *Env, name, usage, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprintf(out, "Usage: orderbridge %s\n\n%s\n", usage, summary)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(out, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, sending --help to stdout (exit 0) and mistakes to
// stderr (exit 2). It rejects stray positional arguments.
func parseFlags(env *Env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fs.SetOutput(env.Stdout)
			fs.Usage()
			return flag.ErrHelp
		}
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		fs.Usage()
		return errUsage
	}
	return nil
}
