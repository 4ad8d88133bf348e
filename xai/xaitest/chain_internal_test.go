package xaitest

import (
	"context"
	"runtime"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// chainer grows a previous_response_id chain on srv, calling the engine
// directly so that only the fake's own work is measured.
type chainer struct {
	t   testing.TB
	srv *Server
	ctx context.Context
	tip string
}

func newChainer(t testing.TB) *chainer {
	srv, err := NewServer(WithBufconn(), WithLimits(Limits{StoredResponsesPerTeam: 1 << 30}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &chainer{t: t, srv: srv, ctx: withTeam(context.Background(), "team")}
}

// turn stores one more turn (a user message and the reply) on the chain.
func (c *chainer) turn(store bool) {
	req := &xaiv1.GetCompletionsRequest{
		Model: "grok-3",
		Messages: []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_USER,
			Content: []*xaiv1.Content{{Content: &xaiv1.Content_Text{Text: "and then?"}}}}},
		StoreMessages: store,
	}
	if c.tip != "" {
		req.PreviousResponseId = &c.tip
	}
	comp, err := c.srv.complete(c.ctx, req)
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.srv.keep(comp); err != nil {
		c.t.Fatal(err)
	}
	if store {
		c.tip = comp.resp.GetId()
	}
}

// measure returns the bytes allocated per turn over n stored turns, and
// the bytes per turn still live after them.
func (c *chainer) measure(n int) (allocated, retained float64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		c.turn(true)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		(float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n)
}

// Issue 11, finding 3: every stored turn copied the whole history, so a
// chain of 10,000 turns took 1.9 GiB and 40 ms per call. Storing a turn
// now costs O(its new messages): the bytes allocated and kept per turn at
// depth 3,000 stay within twice those at depth 10.
func TestChainTurnCostIsFlat(t *testing.T) {
	c := newChainer(t)
	for range 10 {
		c.turn(true)
	}
	const n = 300
	shallowAlloc, shallowLive := c.measure(n)
	for range 3000 - 10 - n {
		c.turn(true)
	}
	deepAlloc, deepLive := c.measure(n)
	t.Logf("per turn at depth 10: %.0f B allocated, %.0f B kept; at depth 3000: %.0f B, %.0f B",
		shallowAlloc, shallowLive, deepAlloc, deepLive)
	if deepAlloc > 2*shallowAlloc {
		t.Errorf("a turn at depth 3000 allocates %.0f B, at depth 10 %.0f B", deepAlloc, shallowAlloc)
	}
	if deepLive > 2*max(shallowLive, 1024) {
		t.Errorf("a turn at depth 3000 keeps %.0f B, at depth 10 %.0f B", deepLive, shallowLive)
	}
}

// Turns that are not stored, and branches off an older turn, leave the
// chain intact: its conversations never change.
func TestChainBranchesKeepHistory(t *testing.T) {
	c := newChainer(t)
	for range 3 {
		c.turn(true)
	}
	mid := c.tip
	for range 3 {
		c.turn(true)
	}
	c.turn(false) // claims the tip's free end and gives it back
	tip := c.tip
	if n := len(c.srv.responses[tip].conversation); n != 12 {
		t.Fatalf("tip conversation holds %d messages, want 12", n)
	}
	// A branch off mid must not overwrite what the tip's chain holds, and
	// the tip can still be continued in place afterwards.
	before := append([]*xaiv1.Message(nil), c.srv.responses[tip].conversation...)
	c.tip = mid
	c.turn(true)
	branch := c.srv.responses[c.tip].conversation
	if len(branch) != 8 {
		t.Fatalf("branch holds %d messages, want 8", len(branch))
	}
	c.tip = tip
	c.turn(true)
	after := c.srv.responses[c.tip].conversation
	if len(after) != 14 {
		t.Fatalf("continued tip holds %d messages, want 14", len(after))
	}
	for i := range before {
		if c.srv.responses[tip].conversation[i] != before[i] || after[i] != before[i] {
			t.Fatalf("message %d of the chain changed after a branch", i)
		}
	}
	if &after[0] != &c.srv.responses[tip].conversation[0] {
		t.Error("continuing the newest turn copied the history")
	}
}

// A continuation that fails validation gives its claim back: the next one
// still extends the chain in place instead of copying it.
func TestChainFailedTurnReleasesItsClaim(t *testing.T) {
	c := newChainer(t)
	for range 3 {
		c.turn(true)
	}
	bad := &xaiv1.GetCompletionsRequest{Model: "grok-3", PreviousResponseId: &c.tip, StoreMessages: true,
		Messages: []*xaiv1.Message{{Role: xaiv1.MessageRole_ROLE_USER}}} // no content
	if _, err := c.srv.complete(c.ctx, bad); err == nil {
		t.Fatal("a message without content was accepted")
	}
	tip := c.srv.responses[c.tip]
	c.turn(true)
	if next := c.srv.responses[c.tip]; &next.conversation[0] != &tip.conversation[0] {
		t.Error("the turn after a failed one copied the history")
	}
}
