package cli

import (
	"context"
	"fmt"
	"io"
)

// runGroup dispatches a command made of subcommands (users, accounts,
// keys): "<name> <sub> [flags]", with its own usage listing them.
func runGroup(ctx context.Context, env *Env, name, summary string, subs []command, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		w := env.Stdout
		if len(args) == 0 {
			w = env.Stderr
		}
		printGroupUsage(w, name, summary, subs)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range subs {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "unknown %s command %q\n\n", name, args[0])
	printGroupUsage(env.Stderr, name, summary, subs)
	return errUsage
}

func printGroupUsage(w io.Writer, name, summary string, subs []command) {
	fmt.Fprintf(w, "Usage: orderbridge %s <command> [flags]\n\n%s\n\nCommands:\n", name, summary)
	for _, c := range subs {
		fmt.Fprintf(w, "  %-15s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'orderbridge %s <command> --help' for a command's flags.\n", name)
}
