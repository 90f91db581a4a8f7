// Package buildinfo says which build of orderbridge is running: the
// version, commit and date a release recipe stamps with the linker, or
// what the Go toolchain recorded of the checkout it built from.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// stamp is set by release builds (deploy/Dockerfile, deploy/package.sh):
//
//	go build -ldflags "-X 'github.com/orderbridge/orderbridge/internal/buildinfo.stamp=version=v1.2.3 commit=abc123 date=2026-12-01T10:00:00Z'"
//
// It is the one package-level variable of the code base, because the
// linker's -X can only set a package-level string: one variable carrying
// key=value pairs instead of three keeps the recipes to one flag.
var stamp string

// Info describes a build.
type Info struct {
	// Version is the release (v1.2.3), the module version of a
	// `go install …@v1.2.3`, or "(devel)".
	Version string
	// Commit is the VCS revision, "" when unknown.
	Commit string
	// Date is when the build was made (release builds) or the commit's
	// time (builds from a checkout), RFC 3339; "" when unknown.
	Date string
	// Modified is true for a build from a checkout with uncommitted
	// changes.
	Modified bool
	// GoVersion is the toolchain that built the binary (go1.27.3): what
	// decides which standard-library fixes it has.
	GoVersion string
}

// Read returns this binary's build information: the linker stamp first,
// then the toolchain's VCS record for whatever the stamp left out.
func Read() Info {
	info := parse(stamp)
	info.GoVersion = runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "(devel)"
	}
	return info
}

// parse reads a stamp's space-separated key=value pairs; unknown keys are
// ignored, so an older recipe and a newer binary still agree.
func parse(s string) Info {
	var info Info
	for _, f := range strings.Fields(s) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "version":
			info.Version = v
		case "commit":
			info.Commit = v
		case "date":
			info.Date = v
		}
	}
	return info
}

// String is the one-line form `orderbridge version` prints:
// "v1.2.3 (commit abc123, built 2026-12-01T10:00:00Z) go1.27.3".
func (i Info) String() string {
	var b strings.Builder
	b.WriteString(i.Version)
	var details []string
	if i.Commit != "" {
		c := "commit " + i.Commit
		if i.Modified {
			c += " with local changes"
		}
		details = append(details, c)
	}
	if i.Date != "" {
		details = append(details, "built "+i.Date)
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, ", ") + ")")
	}
	b.WriteString(" " + i.GoVersion)
	return b.String()
}
