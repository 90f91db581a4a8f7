package cli

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/buildinfo"
)

func runVersion(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "version", "version",
		"Print the version, commit and build date (stamped by release builds, else from the checkout) and the\n"+
			"Go version the binary was built with.")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "orderbridge %s\n", buildinfo.Read())
	return nil
}
