package storetest

import (
	"testing"
	"time"

	"github.com/orderbridge/orderbridge/internal/store"
)

// testXeroQuota: the day quota figure is per account, the newest seen
// wins whatever order answers are noted in, and a day-limit block keeps
// the latest time and says nothing remains.
func testXeroQuota(t *testing.T, open Opener) {
	b := setup(t, open)
	a, other := b.account(t, "A"), b.account(t, "B")
	ctx := b.ctx
	q, err := b.st.XeroQuotaOf(ctx, a.ID)
	must(t, "XeroQuotaOf", err)
	if q != (store.XeroQuota{}) {
		t.Fatalf("quota before any answer = %+v, want zero", q)
	}
	must(t, "NoteXeroDayRemaining", b.st.NoteXeroDayRemaining(ctx, a.ID, 700, ts(time.Minute)))
	// An answer that arrived late (older) does not overwrite the newer figure.
	must(t, "NoteXeroDayRemaining older", b.st.NoteXeroDayRemaining(ctx, a.ID, 720, ts(0)))
	must(t, "NoteXeroDayRemaining other", b.st.NoteXeroDayRemaining(ctx, other.ID, 10, ts(time.Hour)))
	q, err = b.st.XeroQuotaOf(ctx, a.ID)
	must(t, "XeroQuotaOf", err)
	if q.DayRemaining != 700 || !q.SeenAt.Equal(ts(time.Minute)) || !q.BlockedUntil.IsZero() {
		t.Errorf("quota = %+v, want 700 seen at %s, not blocked", q, ts(time.Minute))
	}
	must(t, "NoteXeroDayRemaining newer", b.st.NoteXeroDayRemaining(ctx, a.ID, 650, ts(2*time.Minute)))
	must(t, "BlockXeroUntil", b.st.BlockXeroUntil(ctx, a.ID, ts(3*time.Minute), ts(5*time.Hour)))
	// A shorter block noted later keeps the longer one.
	must(t, "BlockXeroUntil shorter", b.st.BlockXeroUntil(ctx, a.ID, ts(4*time.Minute), ts(time.Hour)))
	q, err = b.st.XeroQuotaOf(ctx, a.ID)
	must(t, "XeroQuotaOf", err)
	if q.DayRemaining != 0 || !q.SeenAt.Equal(ts(4*time.Minute)) || !q.BlockedUntil.Equal(ts(5*time.Hour)) {
		t.Errorf("blocked quota = %+v, want 0 seen at %s, blocked until %s", q, ts(4*time.Minute), ts(5*time.Hour))
	}
	q, err = b.st.XeroQuotaOf(ctx, other.ID)
	must(t, "XeroQuotaOf other", err)
	if q.DayRemaining != 10 || !q.BlockedUntil.IsZero() {
		t.Errorf("other account's quota = %+v, want its own 10, not blocked", q)
	}
	must(t, "DeleteAccount", b.st.DeleteAccount(ctx, a.ID))
	q, err = b.st.XeroQuotaOf(ctx, a.ID)
	must(t, "XeroQuotaOf deleted", err)
	if q != (store.XeroQuota{}) {
		t.Errorf("quota of a deleted account = %+v, want none", q)
	}
}
