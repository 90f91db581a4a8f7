package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// errNoSecretInput refuses to read a password or key when there is neither
// a terminal nor --password-stdin: never from the command line, where
// every user of the machine can read it.
var errNoSecretInput = errors.New("standard input is not a terminal: give the password on standard input with --password-stdin " +
	"(passwords are never taken from the command line)")

// terminalOf returns the terminal stdin is, if it is one.
func terminalOf(r io.Reader) (int, bool) {
	f, ok := r.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// readLine reads one line from r (a password or a key piped in), without
// its line ending. An empty input is an error.
func readLine(r io.Reader, what string) (string, error) {
	if r == nil {
		return "", fmt.Errorf("no %s on standard input", what)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the %s from standard input: %w", what, err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no %s on standard input", what)
	}
	return line, nil
}

// readNewPassword reads a new password: one line of stdin with fromStdin,
// else typed twice at the terminal without echo. The caller checks it
// with password.Problem.
func readNewPassword(env *Env, fromStdin bool) (string, error) {
	if fromStdin {
		return readLine(env.Stdin, "password")
	}
	fd, ok := terminalOf(env.Stdin)
	if !ok {
		return "", errNoSecretInput
	}
	fmt.Fprint(env.Stderr, "New password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	fmt.Fprint(env.Stderr, "Type it again: ")
	again, err := term.ReadPassword(fd)
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if string(first) != string(again) {
		return "", errors.New("the two passwords differ")
	}
	return string(first), nil
}
