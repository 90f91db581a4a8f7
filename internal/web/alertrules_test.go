package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.yaml.in/yaml/v4"

	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/web"
)

// TestAlertRulesNameRegisteredMetrics: every metric the example alerting
// rules (deploy/prometheus/alerts.yml) use is one orderbridge registers,
// so a renamed metric cannot leave an alert that never fires; and every
// alert has a summary and a runbook link to an anchor doc/operations.md
// has.
func TestAlertRulesNameRegisteredMetrics(t *testing.T) {
	t.Parallel()
	root := testenv.RepoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "deploy", "prometheus", "alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	runbook, err := os.ReadFile(filepath.Join(root, "doc", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	m := web.NewMetrics()
	// Registering a collector under a name the registry has fails (a
	// duplicate, or an inconsistent descriptor); an unknown name succeeds.
	registered := func(name string) bool {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "probe"})
		if err := m.Registry.Register(g); err != nil {
			return true
		}
		m.Registry.Unregister(g)
		return false
	}
	metricName := regexp.MustCompile(`\borderbridge_[a-z0-9_]+`)
	anchor := regexp.MustCompile(`operations\.md#([a-z0-9-]+)$`)
	var alerts int
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			alerts++
			names := metricName.FindAllString(r.Expr, -1)
			if len(names) == 0 && !strings.Contains(r.Expr, "up{") {
				t.Errorf("%s: expression %q names no metric", r.Alert, r.Expr)
			}
			for _, n := range names {
				base := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if b, ok := strings.CutSuffix(n, suffix); ok && registered(b) {
						base = b
					}
				}
				if !registered(base) {
					t.Errorf("%s: metric %s is not registered", r.Alert, n)
				}
			}
			if r.Annotations["summary"] == "" {
				t.Errorf("%s: no summary", r.Alert)
			}
			a := anchor.FindStringSubmatch(r.Annotations["runbook_url"])
			if a == nil {
				t.Errorf("%s: runbook_url %q does not link into doc/operations.md", r.Alert, r.Annotations["runbook_url"])
				continue
			}
			if a[1] != "alert-"+strings.ToLower(r.Alert) {
				t.Errorf("%s: runbook anchor %q, want alert-%s", r.Alert, a[1], strings.ToLower(r.Alert))
			}
			if !strings.Contains(string(runbook), "### Alert: "+r.Alert+"\n") {
				t.Errorf("%s: doc/operations.md has no heading %q (whose anchor is #%s)", r.Alert, "### Alert: "+r.Alert, a[1])
			}
		}
	}
	if alerts < 8 {
		t.Errorf("%d alerts, want the example set", alerts)
	}
	if registered("orderbridge_no_such_metric") {
		t.Error("the registration probe finds a metric that does not exist")
	}
}
