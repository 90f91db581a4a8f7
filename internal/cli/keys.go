package cli

import (
	"context"
	"fmt"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/store/seal"
)

func runKeys(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "keys",
		"The secret key seals every connection's credentials in the database (AES-256-GCM). Keys are\n"+
			"read from the environment only: "+config.EnvSecretKey+" (the current key) and\n"+
			config.EnvSecretKeysPrevious+" (older keys that still open what they sealed).",
		keysCommands(), args)
}

func runKeysGenerate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "keys generate", "keys generate",
		"Print a new random key (32 bytes, base64) on standard output, for "+config.EnvSecretKey+".\n"+
			"Keep it in your secret store and back it up with the database: without it no stored\n"+
			"connection can be read.")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	_, encoded, err := seal.GenerateKey()
	if err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, encoded)
	return nil
}

func runKeysRotate(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "keys rotate", "keys rotate [flags]",
		"Move every sealed secret to a new key, end to end:\n"+
			"  1. Give every orderbridge process the new key in "+config.EnvSecretKeysPrevious+" and restart\n"+
			"     them (they now open values sealed with either key).\n"+
			"  2. Make the new key "+config.EnvSecretKey+" and the old one "+config.EnvSecretKeysPrevious+"\n"+
			"     in every process and restart them (new values are sealed with the new key).\n"+
			"  3. Run this command with that same environment. It reseals whatever the old key sealed, the\n"+
			"     key check value included, then proves that the new key alone opens every value.\n"+
			"  4. Only when it says so, remove the old key from "+config.EnvSecretKeysPrevious+" and restart.\n"+
			"Keys are read from the environment only, never from the command line. On SQLite stop serve\n"+
			"first (one process at a time); steps 1 and 2 are then one restart.")
	cfg, err := configFlagsFor(env, fs, flagsDatabase)
	if err != nil {
		return err
	}
	withEnv(fs, config.EnvSecretKey, config.EnvSecretKeysPrevious)
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	r, err := app.RotateKeys(ctx, *cfg, logger(env, cfg))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "resealed %d values under key %s\n", r.Resealed, r.KeyID)
	fmt.Fprintf(env.Stdout, "verified: all %d sealed values open with the new key alone\n", r.Verified)
	fmt.Fprintf(env.Stdout, "the old key can go: remove it from %s in every process, then restart them\n", config.EnvSecretKeysPrevious)
	if r.KeyFile != "" {
		fmt.Fprintf(env.Stdout, "the key file %s holds an old key and is no longer needed: delete it (after a backup)\n", r.KeyFile)
	}
	return nil
}

// keysCommands lists the "keys" subcommands.
func keysCommands() []command {
	return []command{
		{"generate", "print a new random key, to set as " + config.EnvSecretKey, runKeysGenerate},
		{"rotate", "reseal every secret under " + config.EnvSecretKey + " and prove the old key can go", runKeysRotate},
	}
}
