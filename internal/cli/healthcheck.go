package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/orderbridge/orderbridge/internal/config"
)

// runHealthcheck asks a running orderbridge whether it is alive: what a
// container's HEALTHCHECK runs, since the image has no curl.
func runHealthcheck(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "healthcheck", "healthcheck [--url URL]",
		"Ask a running orderbridge on this machine for /healthz and exit 0 on a 200, 1 otherwise. It asks the\n"+
			"metrics listener ("+config.EnvMetricsAddr+") when one is set, else the web app ("+config.EnvHTTPAddr+").")
	cfg, err := config.FromEnv(env.LookupEnv)
	if err != nil {
		return err
	}
	url := fs.String("url", "", "the `URL` to ask instead")
	if err := parseFlags(env, fs, args); err != nil {
		return err
	}
	target := *url
	if target == "" {
		addr := cfg.MetricsAddr
		if addr == "" {
			addr = cfg.HTTPAddr
		}
		if addr == "" {
			return fmt.Errorf("nothing to ask: neither %s nor %s is set", config.EnvMetricsAddr, config.EnvHTTPAddr)
		}
		target = "http://" + localAddr(addr) + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("healthcheck: " + target + " answered " + resp.Status)
	}
	fmt.Fprintln(env.Stdout, "ok")
	return nil
}

// localAddr is addr as reached from the same machine: a listener on every
// address (0.0.0.0:8080, :8080, [::]:8080) is asked on the loopback.
func localAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if host == "" || net.ParseIP(host) != nil && net.ParseIP(host).IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
