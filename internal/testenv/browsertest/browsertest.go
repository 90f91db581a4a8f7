// Package browsertest drives Debian's headless Chromium through chromedp
// for the web app's browser tests: it finds the browser (a loud skip
// locally, a failure under CI when it is missing), starts it with the flags
// this closed network needs, and gives each test the same three verbs: a
// step with a timeout, reading an element's text, and a screenshot for
// review.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orderbridge/orderbridge/internal/testenv"
	"github.com/orderbridge/orderbridge/internal/testenv/testkit"
)

// Browser is one Chromium tab.
type Browser struct {
	t testing.TB
	// Tab is the chromedp context of the tab, for actions the verbs below
	// do not cover.
	Tab        context.Context
	shots      string
	prefix     string
	stepWithin time.Duration
}

// Options shape a Browser.
type Options struct {
	// ScreenshotDir receives Shot's PNG files (created when missing).
	ScreenshotDir string
	// ScreenshotPrefix starts every screenshot's file name.
	ScreenshotPrefix string
	// StepTimeout bounds each Step; 30 seconds when zero.
	StepTimeout time.Duration
}

// Require returns the path of Chromium, or stops the test (testenv.Missing)
// when it is not installed. A test calls it first, so that it starts no
// servers for a browser it cannot have.
func Require(t testing.TB) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "Chromium", "install Debian's chromium package (apt-get install -y chromium)")
	}
	return chromium
}

// Start launches Chromium with a fresh profile and opens url in its tab.
// The browser stops when the test ends.
func Start(t *testing.T, url string, opts Options) *Browser {
	t.Helper()
	chromium := Require(t)
	if opts.ScreenshotDir != "" {
		if err := os.MkdirAll(opts.ScreenshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Without the background-networking flags Chromium keeps reaching for
	// Google's hosts, which this machine's closed network refuses.
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(cancelTab)
	// The first call starts the browser: no timeout on it (a timeout would
	// stop the browser); every later step gets one.
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	b := &Browser{t: t, Tab: tab, shots: opts.ScreenshotDir, prefix: opts.ScreenshotPrefix, stepWithin: opts.StepTimeout}
	if b.stepWithin == 0 {
		b.stepWithin = 30 * time.Second
	}
	return b
}

// Step runs actions, failing the test with the page's address if they do
// not complete within the step timeout.
func (b *Browser) Step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Tab, b.stepWithin)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		loc, _ := chromedp.Run(b.Tab, chromedp.Location())
		b.t.Fatalf("%s (at %s): %v", name, loc, err)
	}
}

// Read returns the trimmed text of the element sel selects.
func (b *Browser) Read(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Tab, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Shot saves a full-page screenshot as <dir>/<prefix><name>.png for a
// person to review.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	if b.shots == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.Tab, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, b.prefix+name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// Width resizes the tab's viewport to w CSS pixels wide (900 high), so one
// test can check and screenshot a page at phone (375) and desktop (1280)
// widths.
func (b *Browser) Width(w int) {
	b.t.Helper()
	b.Step("viewport width", chromedp.EmulateViewport(int64(w), 900))
}

// WaitJS waits until the JavaScript expression js is true in the tab. A
// navigation in progress (a submitted form) makes an evaluation fail; it
// is tried again, so a test can wait for the page that answers, not an
// element the page before it had too.
func (b *Browser) WaitJS(what, js string) {
	b.t.Helper()
	testkit.WaitFor(b.t, what, b.stepWithin, func() bool {
		ctx, cancel := context.WithTimeout(b.Tab, 2*time.Second)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		return err == nil && ok
	})
}
