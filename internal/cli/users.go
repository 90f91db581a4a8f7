package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/orderbridge/orderbridge/internal/app"
	"github.com/orderbridge/orderbridge/internal/config"
	"github.com/orderbridge/orderbridge/internal/password"
	"github.com/orderbridge/orderbridge/internal/store"
)

func runUsers(ctx context.Context, env *Env, args []string) error {
	return runGroup(ctx, env, "users",
		"Manage the people who sign in to the web app, without SQL and without switching sign-up on.\n"+
			"Passwords are typed at a terminal without echo, or read from standard input with\n"+
			"--password-stdin; never from the command line.",
		usersCommands(), args)
}

// userFlagSet is a users subcommand's flag set with the database flags.
func userFlagSet(env *Env, name, usage, summary string) (*flag.FlagSet, *config.Config, error) {
	fs := newFlagSet(env, "users "+name, "users "+usage, summary)
	cfg, err := configFlagsFor(env, fs, flagsDatabase)
	return fs, cfg, err
}

// openUsersStore opens the database for a users command: no secret key
// is needed, and it runs beside a serve.
func openUsersStore(ctx context.Context, env *Env, cfg *config.Config) (*store.Store, func() error, error) {
	return app.OpenStore(ctx, *cfg, logger(env, cfg), app.StoreOptions{})
}

// newPasswordHash reads a new password (terminal or --password-stdin),
// checks it against the one policy and hashes it.
func newPasswordHash(env *Env, fromStdin bool, email string) (string, error) {
	pw, err := readNewPassword(env, fromStdin)
	if err != nil {
		return "", err
	}
	if p := password.Problem(pw, email); p != "" {
		return "", fmt.Errorf("the password is not accepted: %s", p)
	}
	return password.Hash(pw, password.Params{})
}

// requireEmail refuses an empty --email with the usage.
func requireEmail(env *Env, fs *flag.FlagSet, email string) error {
	if store.NormalizeEmail(email) == "" {
		fmt.Fprintln(env.Stderr, "--email is required")
		fs.Usage()
		return errUsage
	}
	return nil
}

func runUsersCreate(ctx context.Context, env *Env, args []string) error {
	fs, cfg, err := userFlagSet(env, "create", "create --email EMAIL (--account NAME | --account-id ID) [--admin] [--password-stdin]",
		"Create a user who signs in with EMAIL. --account NAME puts them in the account of that name,\n"+
			"creating it when there is none; --account-id ID in an existing account. --admin marks them an\n"+
			"administrator of this installation (the first admin: no need to switch sign-up on). The password\n"+
			"is typed twice at a terminal, or read as one line of standard input with --password-stdin.")
	if err != nil {
		return err
	}
	email := fs.String("email", "", "the user's `email`, with which they sign in")
	name := fs.String("name", "", "the user's `name` (optional)")
	accountName := fs.String("account", "", "`name` of the account; created if no account has it")
	accountID := fs.Int64("account-id", 0, "`ID` of an existing account")
	admin := fs.Bool("admin", false, "mark the user an administrator of this installation")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input (one line)")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if err := requireEmail(env, fs, *email); err != nil {
		return err
	}
	if (*accountName == "") == (*accountID == 0) {
		fmt.Fprintln(env.Stderr, "give one of --account NAME and --account-id ID")
		fs.Usage()
		return errUsage
	}
	st, closeStore, err := openUsersStore(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	if _, err := st.FindUser(ctx, *email); err == nil {
		return fmt.Errorf("%s already has a user (use `orderbridge users reset-password` to give them a new password)", store.NormalizeEmail(*email))
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// The account is checked before the password is asked for, so a
	// mistake costs no typing; it is created only once the password is
	// accepted.
	var acct store.Account
	if *accountID != 0 {
		if acct, err = st.Account(ctx, *accountID); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("there is no account %d (`orderbridge accounts list` shows them)", *accountID)
		} else if err != nil {
			return err
		}
	} else if acct, err = accountByName(ctx, st, *accountName); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	hash, err := newPasswordHash(env, *fromStdin, *email)
	if err != nil {
		return err
	}
	var u store.User
	created := false
	err = st.WithTx(ctx, func(tx *store.Tx) error {
		if acct.ID == 0 {
			if acct, err = tx.CreateAccount(ctx, *accountName); err != nil {
				return err
			}
			created = true
		}
		if u, err = tx.CreateUser(ctx, acct.ID, *email, *name, hash); err != nil {
			return err
		}
		if *admin {
			u.Admin = true
			return tx.SetUserAdmin(ctx, u.ID, true)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(env.Stdout, "created account %d (%s)\n", acct.ID, acct.Name)
	}
	role := "user"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(env.Stdout, "created %s %d (%s) in account %d (%s)\n", role, u.ID, u.Email, acct.ID, acct.Name)
	return nil
}

// accountByName finds the one account named name, ErrNotFound when none
// is, and refuses a name two accounts share.
func accountByName(ctx context.Context, st *store.Store, name string) (store.Account, error) {
	all, err := st.ListAccounts(ctx)
	if err != nil {
		return store.Account{}, err
	}
	var found []store.Account
	for _, a := range all {
		if a.Name == name {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return store.Account{}, store.ErrNotFound
	case 1:
		return found[0], nil
	}
	return store.Account{}, fmt.Errorf("%d accounts are named %q: give --account-id instead", len(found), name)
}

// withUser is the set-up every command about one existing user shares:
// it adds --email to fs, parses args, requires the email, opens the
// database and finds the user, then runs fn with them.
func withUser(ctx context.Context, env *Env, fs *flag.FlagSet, cfg *config.Config, args []string, fn func(*store.Store, store.User) error) error {
	email := fs.String("email", "", "the user's `email`")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	if err := requireEmail(env, fs, *email); err != nil {
		return err
	}
	st, closeStore, err := openUsersStore(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	u, err := userByEmail(ctx, st, *email)
	if err != nil {
		return err
	}
	return fn(st, u)
}

// userByEmail is the operators' lookup, with the answer for a typo.
func userByEmail(ctx context.Context, st *store.Store, email string) (store.User, error) {
	u, err := st.FindUser(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, fmt.Errorf("no user has the email %s (`orderbridge users list` shows them)", store.NormalizeEmail(email))
	}
	return u, err
}

func runUsersResetPassword(ctx context.Context, env *Env, args []string) error {
	fs, cfg, err := userFlagSet(env, "reset-password", "reset-password --email EMAIL [--password-stdin]",
		"Give a user a new password, typed twice at a terminal or read from standard input with\n"+
			"--password-stdin, and end every session they have open.")
	if err != nil {
		return err
	}
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input (one line)")
	return withUser(ctx, env, fs, cfg, args, func(st *store.Store, u store.User) error {
		hash, err := newPasswordHash(env, *fromStdin, u.Email)
		if err != nil {
			return err
		}
		ended, err := st.ResetPassword(ctx, u.ID, hash)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "new password set for %s; %d sessions ended\n", u.Email, ended)
		if u.Disabled() {
			fmt.Fprintf(env.Stdout, "%s is disabled: `orderbridge users enable --email %s` lets them sign in\n", u.Email, u.Email)
		}
		return nil
	})
}

func runUsersDisable(ctx context.Context, env *Env, args []string) error {
	fs, cfg, err := userFlagSet(env, "disable", "disable --email EMAIL",
		"Stop a user signing in, and end every session they have open. Their account and its data stay;\n"+
			"`orderbridge users enable` lets them back in.")
	if err != nil {
		return err
	}
	return withUser(ctx, env, fs, cfg, args, func(st *store.Store, u store.User) error {
		ended, err := st.DisableUser(ctx, u.ID)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "disabled %s; %d sessions ended\n", u.Email, ended)
		return nil
	})
}

func runUsersEnable(ctx context.Context, env *Env, args []string) error {
	fs, cfg, err := userFlagSet(env, "enable", "enable --email EMAIL", "Let a disabled user sign in again.")
	if err != nil {
		return err
	}
	return withUser(ctx, env, fs, cfg, args, func(st *store.Store, u store.User) error {
		if err := st.EnableUser(ctx, u.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "enabled %s\n", u.Email)
		return nil
	})
}

func runUsersList(ctx context.Context, env *Env, args []string) error {
	fs, cfg, err := userFlagSet(env, "list", "list", "List every user: id, email, account, admin mark, state and last sign-in.")
	if err != nil {
		return err
	}
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	st, closeStore, err := openUsersStore(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	users, err := st.AllUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		fmt.Fprintln(env.Stdout, "no users (`orderbridge users create --admin` makes the first)")
		return nil
	}
	names := map[int64]string{}
	accounts, err := st.ListAccounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		names[a.ID] = a.Name
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tEMAIL\tACCOUNT\tROLE\tSTATE\tLAST SIGN-IN")
	for _, u := range users {
		role, state, last := "user", "active", "never"
		if u.Admin {
			role = "admin"
		}
		if u.Disabled() {
			state = "disabled " + u.DisabledAt.Format(time.DateOnly)
		}
		if !u.LastSignInAt.IsZero() {
			last = u.LastSignInAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%d (%s)\t%s\t%s\t%s\n", u.ID, u.Email, u.AccountID, names[u.AccountID], role, state, last)
	}
	return tw.Flush()
}

// usersCommands lists the "users" subcommands.
func usersCommands() []command {
	return []command{
		{"create", "create a user (and the account, if it is new); --admin for the first admin", runUsersCreate},
		{"reset-password", "set a new password for a user and end their sessions", runUsersResetPassword},
		{"disable", "stop a user signing in and end their sessions", runUsersDisable},
		{"enable", "let a disabled user sign in again", runUsersEnable},
		{"list", "list every user with their account, admin mark and state", runUsersList},
	}
}
