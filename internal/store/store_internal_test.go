package store

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
)

func TestSQLiteDSN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		writer  bool
		want    []string // substrings
		wantErr bool
	}{
		{in: "/data/ob.db", writer: true, want: []string{"file:/data/ob.db?", "_txlock=immediate", "journal_mode%28WAL%29", "busy_timeout", "foreign_keys%281%29", "synchronous%28FULL%29"}},
		{in: "/data/ob.db", writer: false, want: []string{"file:/data/ob.db?", "query_only%281%29", "busy_timeout"}},
		{in: "file:/data/ob.db?cache=private", writer: true, want: []string{"file:/data/ob.db?", "cache=private", "_txlock=immediate"}},
		{in: "rel/a?b#c.db", writer: true, want: []string{"file:rel/a%3fb%23c.db?"}},
		{in: ":memory:", wantErr: true},
		{in: "", wantErr: true},
		{in: "file:x?mode=memory", wantErr: true},
	}
	for _, tc := range tests {
		got, err := sqliteDSN(tc.in, tc.writer)
		if tc.wantErr {
			if err == nil {
				t.Errorf("sqliteDSN(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("sqliteDSN(%q): %v", tc.in, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("sqliteDSN(%q, %v) = %q, lacks %q", tc.in, tc.writer, got, w)
			}
		}
		if !tc.writer && strings.Contains(got, "_txlock") {
			t.Errorf("reader DSN %q asks for write locks", got)
		}
	}
}

// The SQLite text form of times sorts as the times do, which range
// filters, ORDER BY and the cursor's "only forward" rely on.
func TestSQLiteTimeSorts(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	times := []time.Time{
		base, base.Add(time.Microsecond), base.Add(100 * time.Millisecond), base.Add(time.Second),
		base.Add(-time.Microsecond), base.In(time.FixedZone("NZDT", 13*3600)).Add(time.Hour), time.Date(999, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(1, 0, 0),
	}
	var texts []string
	for _, tm := range times {
		texts = append(texts, SQLite.timeArg(tm).(string))
	}
	sortedTimes := slices.Clone(times)
	sort.Slice(sortedTimes, func(i, j int) bool { return sortedTimes[i].Before(sortedTimes[j]) })
	sort.Strings(texts)
	for i, tm := range sortedTimes {
		var back time.Time
		if err := (timeCol{&back}).Scan(texts[i]); err != nil {
			t.Fatal(err)
		}
		if !back.Equal(tm) || len(texts[i]) != len(sqliteTimeLayout) {
			t.Errorf("text order %d: %s, want %v", i, texts[i], tm)
		}
	}
}

func TestMigrationsMatch(t *testing.T) {
	t.Parallel()
	lite, err := migrations(SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := migrations(Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL: each dialect needs the same list", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].version != pg[i].version || lite[i].name != pg[i].name {
			t.Errorf("migration %d: sqlite %04d_%s, postgres %04d_%s", i, lite[i].version, lite[i].name, pg[i].version, pg[i].name)
		}
	}
	// Every table DumpTables shows (which the no-plaintext test relies
	// on) is created by a migration of both dialects, and every table a
	// migration creates is in DumpTables.
	for _, m := range [][]migration{lite, pg} {
		var all strings.Builder
		for _, mi := range m {
			all.WriteString(mi.sql)
		}
		for _, table := range dataTables {
			if !strings.Contains(all.String(), "CREATE TABLE "+table+" (") {
				t.Errorf("table %s missing from a dialect's migrations", table)
			}
		}
	}
	for _, table := range []string{"webhook_event", "work_demand", "webhook_health", "shipstation_hook", "xero_egress", "swept_change",
		"account_problem", "notification", "notification_optout", "password_reset"} {
		if !slices.Contains(dataTables, table) {
			t.Errorf("table %s is not in DumpTables", table)
		}
	}
}

// A settings document saved before a field existed reads that field's
// default; unknown keys (a newer binary's) are ignored.
func TestSettingsForwardCompatible(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	old := `{"sync_enabled":true,"tracking_rule_enabled":false,"from_the_future":42}`
	if _, err := st.w.exec(ctx, "INSERT INTO account_settings (account_id, settings, updated_at) VALUES ($1, $2, $3)",
		a.ID, old, st.t(st.now())); err != nil {
		t.Fatal(err)
	}
	got, err := st.Settings(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultSettings()
	want.SyncEnabled, want.TrackingRuleEnabled = true, false
	if !slices.Equal(got.InvoiceStatuses, want.InvoiceStatuses) || got.SyncInterval != want.SyncInterval ||
		got.TrackingOptionName != want.TrackingOptionName || got.LogRetentionDays != want.LogRetentionDays ||
		!got.SyncEnabled || got.TrackingRuleEnabled {
		t.Errorf("Settings = %+v\nwant %+v", got, want)
	}
}

// legacyWriteBackArgs is a job queued under the write-back's old kind.
type legacyWriteBackArgs struct {
	AccountID int64 `json:"account_id"`
}

func (legacyWriteBackArgs) Kind() string { return "import_shipments" }

// Migration 0007 renames what a database upgraded from an older release
// holds under the write-back's old names: queued jobs (which would
// otherwise find no worker), work requests and the sweep's cursor.
func TestMigrationRenamesWriteBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "m.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAccount(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	client, err := st.NewRiverClient(&river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 8, 10, 0, 0, 0, time.UTC)
	err = st.WithTx(ctx, func(tx *Tx) error {
		if _, err := client.InsertTx(ctx, tx, legacyWriteBackArgs{AccountID: a.ID}, nil); err != nil {
			return err
		}
		if err := tx.RequestWork(ctx, a.ID, "import_shipments"); err != nil {
			return err
		}
		if err := tx.RequestWork(ctx, a.ID, "import_windows"); err != nil {
			return err
		}
		return tx.AdvanceCursor(ctx, a.ID, "import_sweep_enqueued", at)
	})
	if err != nil {
		t.Fatal(err)
	}
	// As if the database came from a release before 0007.
	if _, err := st.w.exec(ctx, "DELETE FROM orderbridge_migration WHERE version = 7"); err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := st.r.queryRow(ctx, "SELECT kind FROM river_job").Scan(&kind); err != nil {
		t.Fatal(err)
	}
	if kind != "write_back" {
		t.Errorf("queued job's kind = %q, want write_back", kind)
	}
	for _, k := range []string{"write_back", "write_back_windows"} {
		if took, err := st.TakeWork(ctx, a.ID, k); err != nil || !took {
			t.Errorf("TakeWork(%s) = %v, %v; want the renamed request", k, took, err)
		}
	}
	if got, ok, err := st.Cursor(ctx, a.ID, "write_back_sweep_enqueued"); err != nil || !ok || !got.Equal(at) {
		t.Errorf("renamed cursor = %v, %v, %v; want %v", got, ok, err, at)
	}
}
