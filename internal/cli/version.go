package cli

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "version", "Print the module version, VCS revision (when built from a checkout) and Go version.")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	version, revision := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				revision = s.Value
			}
		}
	}
	fmt.Fprintf(env.Stdout, "orderbridge %s", version)
	if revision != "" {
		fmt.Fprintf(env.Stdout, " (%s)", revision)
	}
	fmt.Fprintf(env.Stdout, " %s\n", runtime.Version())
	return nil
}
