package xai_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// The fault suite drives one client through many mixed calls while the fake
// server fails some of them, delays all of them and restarts once, and
// checks that every call ends cleanly: with the right answer or the right
// error code, within its deadline, without duplicated stream text, without
// leaked goroutines, with the server's store holding exactly what the calls
// put there, and with each call run by the server exactly as many times as
// gRPC's retry rules allow (gRFC A6): once more per failure before the
// response headers, never again after them.

const (
	faultCalls    = 2000
	faultWorkers  = 16
	faultSeed     = 20260601
	faultDeadline = 10 * time.Second
	// injectedMsg marks the errors the test injects.
	injectedMsg = "fault-suite: injected"
	// opHeader is the metadata naming the op a call belongs to: faults
	// target it, and the server's request log counts invocations by it.
	opHeader = "x-fault-op"
)

type faultOpKind int

const (
	opUnary  faultOpKind = iota // Sample, nothing stored
	opStream                    // Stream, nothing stored
	opStore                     // Sample with WithStoreMessages(true)
	opGet                       // GetStoredCompletion
	opDelete                    // DeleteStoredCompletion
	numOpKinds
)

func (k faultOpKind) String() string {
	return [...]string{"unary", "stream", "store", "get", "delete"}[k]
}

func (k faultOpKind) method() string {
	switch k {
	case opStream:
		return xaiv1.Chat_GetCompletionChunk_FullMethodName
	case opGet:
		return xaiv1.Chat_GetStoredCompletion_FullMethodName
	case opDelete:
		return xaiv1.Chat_DeleteStoredCompletion_FullMethodName
	}
	return xaiv1.Chat_GetCompletion_FullMethodName
}

// faultOp is one planned call; every random choice is drawn in advance from
// the seeded generator, so the plan is the same on every run.
type faultOp struct {
	kind        faultOpKind
	text        string
	unavailable bool   // inject UNAVAILABLE before the call
	midStream   int    // > 0: inject a stream failure after this many messages
	committed   bool   // inject UNAVAILABLE after the server did the work and sent headers
	afterOutput int    // with committed, for streams: messages delivered before the failure
	pick        uint64 // chooses the stored response a get or delete uses
	getDeleted  bool   // a get of a deleted response, expecting NOT_FOUND
}

func planFaultOps(rng *rand.Rand) []faultOp {
	ops := make([]faultOp, faultCalls)
	for i := range ops {
		op := faultOp{text: fmt.Sprintf("fault op %d asks about item %d", i, rng.IntN(1000)), pick: rng.Uint64()}
		switch r := rng.IntN(100); {
		case r < 40:
			op.kind = opUnary
		case r < 70:
			op.kind = opStream
		case r < 82:
			op.kind = opStore
		case r < 94:
			op.kind = opGet
			op.getDeleted = rng.IntN(5) == 0
		default:
			op.kind = opDelete
		}
		f := rng.Float64()
		op.unavailable = f < 0.10
		// 5% of calls fail after the server committed: after the work and
		// the response headers; for streams, half of them after 1-12
		// messages of output.
		if op.committed = f >= 0.10 && f < 0.15; op.committed && op.kind == opStream && rng.IntN(2) == 0 {
			op.afterOutput = 1 + rng.IntN(12)
		}
		// About 2% of all calls: 1 in 15 of the streams (30% of calls).
		if op.kind == opStream && f >= 0.15 && f < 0.15+1.0/15 {
			op.midStream = 1 + rng.IntN(12)
		}
		ops[i] = op
	}
	return ops
}

// storeModel is what the test expects the server to store.
type storeModel struct {
	mu      sync.Mutex
	live    map[string]*storedEntry
	deleted []string
}

type storedEntry struct {
	content  string
	readers  int
	deleting bool
}

// pickLive returns a stored response nobody is deleting, or "".
func (m *storeModel) pickLive(pick uint64, forDelete bool) (string, *storedEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := make([]string, 0, len(m.live))
	for id, e := range m.live {
		if !e.deleting && (!forDelete || e.readers == 0) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return "", nil
	}
	sort.Strings(ids)
	id := ids[pick%uint64(len(ids))]
	e := m.live[id]
	if forDelete {
		e.deleting = true
	} else {
		e.readers++
	}
	return id, e
}

// faultOutcome counts how calls ended, for the log and the final checks.
type faultOutcome struct {
	mu        sync.Mutex
	ok        [numOpKinds]int
	exhausted [numOpKinds]int // UNAVAILABLE after every retry
	midStream int             // streams cut after their first chunk
	committed int             // calls failed after the server committed
	notFound  int             // gets of deleted responses
	// shadowed counts committed faults on gets of deleted responses: the
	// handler's NOT_FOUND comes first, as the fault strikes after it.
	shadowed int
	slowest  time.Duration
	// inRestart marks the ops in flight while the server restarted: the
	// restart may fail an attempt before its headers, which is retried.
	inRestart map[int]bool
}

// callEnd is how a call ended, when it ended as allowed.
type callEnd int

const (
	endOK        callEnd = iota
	endExhausted         // UNAVAILABLE after every retry
	endCut               // a stream failed after its first chunk
	endCommitted         // failed after the server committed, as injected
)

func (o *faultOutcome) add(kind faultOpKind, end callEnd, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch end {
	case endOK:
		o.ok[kind]++
	case endExhausted:
		o.exhausted[kind]++
	case endCut:
		o.midStream++
	case endCommitted:
		o.committed++
	}
	o.slowest = max(o.slowest, took)
}

// expectedReply is the fake's default answer to a single user turn.
func expectedReply(text string) string {
	return `You said: "` + text + `". ` + xaitest.FixedSentence
}

func TestFaultMixedCallsWithRestart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	srv, err := xaitest.NewServer() // loopback: Restart needs a port
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := xai.NewClient(
		xai.WithEndpoint(srv.Addr()), xai.WithAPIKey(srv.APIKey()), xai.WithInsecure(), xai.WithoutEnv(),
		// Short waits keep the suite fast; the attempts are the default.
		xai.WithRetryPolicy(xai.RetryPolicy{InitialBackoff: 2 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()

	ops := planFaultOps(rand.New(rand.NewPCG(faultSeed, 1)))
	model := &storeModel{live: map[string]*storedEntry{}}
	out := &faultOutcome{inRestart: map[int]bool{}}
	// restartEpoch is odd while the server restarts.
	var restartEpoch atomic.Int64
	// Calls that change the store hold gate for reading; the restart holds
	// it for writing, so that no store or delete is cut after the server
	// acted on it (its retry would act twice, which no client can avoid
	// without idempotency keys). Everything else runs through the restart.
	var gate sync.RWMutex
	var started atomic.Int64
	var errs errorList

	// The conductor varies the latency and restarts the server once half
	// of the calls have started.
	conductorDone := make(chan struct{})
	stopConductor := make(chan struct{})
	var restarted atomic.Bool
	go func() {
		defer close(conductorDone)
		rng := rand.New(rand.NewPCG(faultSeed, 2))
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stopConductor:
				return
			case <-tick.C:
			}
			srv.SetLatency(time.Duration(rng.IntN(2000)) * time.Microsecond)
			if started.Load() >= faultCalls/2 && !restarted.Load() {
				gate.Lock()
				restartEpoch.Add(1)
				restartDuringStream(t, srv, client, &errs)
				restartEpoch.Add(1)
				gate.Unlock()
				restarted.Store(true)
			}
		}
	}()

	var next atomic.Int64
	var wg sync.WaitGroup
	for range faultWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(ops) {
					return
				}
				started.Add(1)
				epoch := restartEpoch.Load()
				if err := runFaultOp(client, srv, i, ops[i], model, out, &gate); err != nil {
					errs.add(fmt.Errorf("op %d (%s): %w", i, ops[i].kind, err))
				}
				if e := restartEpoch.Load(); e != epoch || e%2 == 1 {
					out.mu.Lock()
					out.inRestart[i] = true
					out.mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(stopConductor)
	<-conductorDone
	if !restarted.Load() {
		t.Error("the server was not restarted during the calls")
	}
	for _, err := range errs.list() {
		t.Error(err)
	}

	// The store holds exactly the responses stored and not deleted, plus
	// one response for each store that failed after the server committed:
	// the server did store it, once.
	want := make([]string, 0, len(model.live))
	for id := range model.live {
		want = append(want, id)
	}
	sort.Strings(want)
	got := srv.StoredResponseIDs()
	orphans := map[string]int{} // content of a committed store -> times stored
	for _, op := range ops {
		if op.kind == opStore && op.committed {
			orphans[expectedReply(op.text)] = 0
		}
	}
	var unexpected []string
	for _, id := range minus(got, want) {
		resp, err := client.Chat.GetStoredCompletion(context.Background(), id)
		if n, ok := orphans[resp.Content()]; err == nil && ok {
			orphans[resp.Content()] = n + 1
			continue
		}
		unexpected = append(unexpected, id)
	}
	duplicated := 0
	for content, n := range orphans {
		if n != 1 {
			t.Errorf("a store that failed after the server committed was stored %d times, want 1: %q", n, content)
			duplicated += max(n-1, 0)
		}
	}
	if len(unexpected) > 0 || len(minus(want, got)) > 0 {
		t.Errorf("server stores %d responses, the test expects %d and %d from committed stores:\nonly on server: %v\nonly expected: %v",
			len(got), len(want), len(orphans), unexpected, minus(want, got))
	}

	// Server-side invocations per client call: one, plus one per failure
	// injected before the response headers (gRFC A6). A call in flight
	// during the restart may have more: the restart can fail an attempt
	// before its headers. Only stores and deletes have side effects, and
	// the restart waits for them.
	attempts := 0
	invocations := make([]int, len(ops))
	for _, r := range srv.Requests() {
		if !strings.HasPrefix(r.FullMethod, "/xai_api.Chat/") {
			continue
		}
		attempts++
		if v := r.Metadata.Get(opHeader); len(v) == 1 {
			var i int
			if _, err := fmt.Sscan(v[0], &i); err == nil && i >= 0 && i < len(ops) {
				invocations[i]++
			}
		}
	}
	histogram := map[int]int{}
	lost, inRestart := 0, 0
	for i, op := range ops {
		histogram[invocations[i]]++
		want := 1
		if op.unavailable {
			want = 2
		}
		switch n := invocations[i]; {
		case out.inRestart[i]:
			inRestart++
		case n > want:
			duplicated++
			t.Errorf("op %d (%s, %+v) ran %d times on the server, want %d", i, op.kind, op, n, want)
		case n < want:
			lost++
			t.Errorf("op %d (%s, %+v) ran %d times on the server, want %d", i, op.kind, op, n, want)
		}
	}
	injected, cuts, committed, afterOutput := 0, 0, 0, 0
	for _, op := range ops {
		if op.unavailable {
			injected++
		}
		if op.midStream > 0 {
			cuts++
		}
		if op.committed {
			committed++
		}
		if op.afterOutput > 0 {
			afterOutput++
		}
	}
	t.Logf("plan (seed %d): %d calls, %d UNAVAILABLE faults before headers, %d after the server committed (%d of them streams after partial output), %d mid-stream failures injected, latency 0-2 ms, one restart",
		faultSeed, len(ops), injected, committed, afterOutput, cuts)
	total := out.midStream + out.committed
	for k := range numOpKinds {
		total += out.ok[k] + out.exhausted[k]
		t.Logf("%-6s ok %4d, UNAVAILABLE after all retries %d", k, out.ok[k], out.exhausted[k])
	}
	t.Logf("%d calls, %d chat attempts reached the server; %d streams cut mid-way; %d calls failed after the server committed; %d gets of deleted responses; slowest call %v; %d responses stored at the end",
		total, attempts, out.midStream, out.committed, out.notFound, out.slowest.Round(time.Millisecond), len(got))
	t.Logf("server invocations per call: %v (%d calls in flight during the restart not held to the count); duplicated side effects %d, lost calls %d, hung 0",
		histogram, inRestart, duplicated, lost)
	if total != faultCalls {
		t.Errorf("%d calls ended, want %d", total, faultCalls)
	}
	if out.committed+out.shadowed != committed {
		t.Errorf("%d calls failed after the server committed and %d got NOT_FOUND first, want the %d injected", out.committed, out.shadowed, committed)
	}
	if attempts <= faultCalls {
		t.Errorf("%d attempts for %d calls: no retry happened", attempts, faultCalls)
	}
	if out.midStream == 0 {
		t.Error("no stream failed mid-way")
	}
	exhausted := 0
	for _, n := range out.exhausted {
		exhausted += n
	}
	if exhausted > faultCalls/100 {
		t.Errorf("%d calls failed after every retry; injected faults should rarely exhaust five attempts", exhausted)
	}
}

// restartDuringStream restarts the server while a stream is open, with
// chunks received, and checks that the stream ends with UNAVAILABLE and
// keeps what had arrived. The stream is a legacy Sample stream, a method
// the suite injects no faults into, so only the restart can end it early.
func restartDuringStream(t *testing.T, srv *xaitest.Server, client *xai.Client, errs *errorList) {
	srv.SetLatency(300 * time.Millisecond) // 30 ms between stream messages
	defer srv.SetLatency(0)
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	stream, err := client.Sample.Stream(ctx, "grok-3", "the sentinel stream is open during the restart")
	if err != nil {
		errs.add(fmt.Errorf("sentinel stream: %w", err))
		return
	}
	defer stream.Close()
	var text strings.Builder
	n := 0
	var streamErr error
	for chunk, err := range stream.All() {
		if err != nil {
			streamErr = err
			break
		}
		text.WriteString(chunk.Text())
		if n++; n == 2 {
			if rerr := srv.Restart(); rerr != nil {
				errs.add(fmt.Errorf("Restart: %w", rerr))
				return
			}
		}
	}
	var xerr *xai.Error
	switch {
	case n < 2:
		errs.add(fmt.Errorf("sentinel stream ended after %d chunks, before the restart: %v", n, streamErr))
	case !errors.As(streamErr, &xerr) || xerr.Code != codes.Unavailable:
		errs.add(fmt.Errorf("sentinel stream open during the restart ended with %v, want UNAVAILABLE", streamErr))
	case stream.Completion().Text() != text.String() || text.Len() == 0:
		errs.add(fmt.Errorf("sentinel stream keeps %q, but chunks brought %q", stream.Completion().Text(), text.String()))
	default:
		t.Logf("restart: the open stream ended with %v after %d chunks", streamErr, n)
	}
}

// runFaultOp makes one call and checks how it ended. It returns an error
// describing any unexpected outcome.
func runFaultOp(client *xai.Client, srv *xaitest.Server, i int, op faultOp, model *storeModel, out *faultOutcome, gate *sync.RWMutex) error {
	if op.kind == opStore || op.kind == opDelete {
		gate.RLock()
		defer gate.RUnlock()
	}
	tag := strconv.Itoa(i)
	thisOp := func(md metadata.MD) bool { v := md.Get(opHeader); return len(v) == 1 && v[0] == tag }
	// arm injects the op's faults for the method it calls, so that they
	// strike this call and no other.
	arm := func(method string) {
		if op.unavailable {
			srv.InjectFault(method, xaitest.Fault{Code: codes.Unavailable, Message: injectedMsg, Match: thisOp})
		}
		if op.midStream > 0 {
			srv.InjectFault(method, xaitest.Fault{Code: codes.Unavailable, Message: injectedMsg + " mid-stream", AfterChunks: op.midStream, Match: thisOp})
		}
		if op.committed {
			srv.InjectFault(method, xaitest.Fault{Code: codes.Unavailable, Message: injectedMsg + " after headers", AfterHeaders: true, AfterChunks: op.afterOutput, Match: thisOp})
		}
	}
	ctx, cancel := context.WithTimeout(metadata.AppendToOutgoingContext(context.Background(), opHeader, tag), faultDeadline)
	defer cancel()
	start := time.Now()
	end, err := callFaultOp(ctx, client, op, arm, model, out)
	took := time.Since(start)
	if err != nil {
		return err
	}
	if took > faultDeadline+500*time.Millisecond {
		return fmt.Errorf("took %v, past its deadline of %v", took, faultDeadline)
	}
	out.add(op.kind, end, took)
	return nil
}

// callFaultOp makes the call, arming the op's faults for the method it
// calls, and says how it ended; err reports an ending that is not allowed.
// The only failures allowed are UNAVAILABLE after every retry, UNAVAILABLE
// injected after the server committed, and, for streams, UNAVAILABLE after
// the first chunk.
func callFaultOp(ctx context.Context, client *xai.Client, op faultOp, arm func(method string), model *storeModel, out *faultOutcome) (callEnd, error) {
	want := expectedReply(op.text)
	failed := func(err error) (callEnd, error) {
		if op.committed && strings.Contains(err.Error(), injectedMsg+" after headers") {
			return endCommitted, onlyUnavailable(err)
		}
		return endExhausted, onlyUnavailable(err)
	}
	switch op.kind {
	case opUnary, opStore:
		chat := client.Chat.Create("grok-3", xai.WithStoreMessages(op.kind == opStore)).Append(xai.User(op.text))
		arm(xaiv1.Chat_GetCompletion_FullMethodName)
		resp, err := chat.Sample(ctx)
		if err != nil {
			return failed(err)
		}
		if resp.Content() != want {
			return endExhausted, fmt.Errorf("content %q, want %q", resp.Content(), want)
		}
		if op.kind == opStore {
			model.mu.Lock()
			model.live[resp.ID()] = &storedEntry{content: want}
			model.mu.Unlock()
		}
		return endOK, nil

	case opStream:
		chat := client.Chat.Create("grok-3", xai.WithStoreMessages(false)).Append(xai.User(op.text))
		arm(xaiv1.Chat_GetCompletionChunk_FullMethodName)
		stream, err := chat.Stream(ctx)
		if err != nil {
			return failed(err)
		}
		defer stream.Close()
		var text strings.Builder
		var streamErr error
		for chunk, err := range stream.All() {
			if err != nil {
				streamErr = err
				break
			}
			text.WriteString(chunk.Content())
		}
		got := text.String()
		if acc := stream.Response().Content(); acc != got {
			return endExhausted, fmt.Errorf("accumulated response %q differs from the chunks %q", acc, got)
		}
		if streamErr == nil {
			if got != want {
				return endExhausted, fmt.Errorf("streamed %q, want %q", got, want)
			}
			return endOK, nil
		}
		if err := onlyUnavailable(streamErr); err != nil {
			return endExhausted, err
		}
		if end, _ := failed(streamErr); end == endCommitted {
			if !strings.HasPrefix(want, got) || len(got) > 0 && op.afterOutput == 0 {
				return endExhausted, fmt.Errorf("stream failed after headers delivered %q, want a prefix of %q after %d messages", got, want, op.afterOutput)
			}
			return endCommitted, nil
		}
		// Cut short: what arrived is a prefix of the answer, never a
		// repeat, and the error carries it.
		if !strings.HasPrefix(want, got) {
			return endExhausted, fmt.Errorf("stream cut short delivered %q, not a prefix of %q", got, want)
		}
		var xerr *xai.Error
		errors.As(streamErr, &xerr)
		if xerr.Partial != nil && xerr.Partial.Content() != got {
			return endExhausted, fmt.Errorf("error's partial response %q differs from the chunks %q", xerr.Partial.Content(), got)
		}
		if xerr.Partial == nil {
			return endExhausted, nil // failed before the first chunk
		}
		return endCut, nil

	case opGet:
		if op.getDeleted {
			model.mu.Lock()
			var id string
			if len(model.deleted) > 0 {
				id = model.deleted[op.pick%uint64(len(model.deleted))]
			}
			model.mu.Unlock()
			if id == "" {
				id = "never-stored"
			}
			arm(xaiv1.Chat_GetStoredCompletion_FullMethodName)
			_, err := client.Chat.GetStoredCompletion(ctx, id)
			if xai.IsNotFound(err) {
				out.mu.Lock()
				out.notFound++
				if op.committed {
					out.shadowed++
				}
				out.mu.Unlock()
				return endOK, nil
			}
			if err == nil {
				return endExhausted, fmt.Errorf("deleted response %s was found", id)
			}
			return failed(err)
		}
		id, e := model.pickLive(op.pick, false)
		if id == "" {
			op.getDeleted = true
			return callFaultOp(ctx, client, op, arm, model, out)
		}
		defer func() {
			model.mu.Lock()
			e.readers--
			model.mu.Unlock()
		}()
		arm(xaiv1.Chat_GetStoredCompletion_FullMethodName)
		resp, err := client.Chat.GetStoredCompletion(ctx, id)
		if err != nil {
			return failed(err)
		}
		if resp.ID() != id || resp.Content() != e.content {
			return endExhausted, fmt.Errorf("stored response %s reads back as %s %q, want %q", id, resp.ID(), resp.Content(), e.content)
		}
		return endOK, nil

	case opDelete:
		id, _ := model.pickLive(op.pick, true)
		if id == "" {
			op.kind, op.getDeleted = opGet, true
			return callFaultOp(ctx, client, op, arm, model, out)
		}
		arm(xaiv1.Chat_DeleteStoredCompletion_FullMethodName)
		_, err := client.Chat.DeleteStoredCompletion(ctx, id)
		model.mu.Lock()
		defer model.mu.Unlock()
		if err != nil {
			end, ferr := failed(err)
			if end != endCommitted {
				model.live[id].deleting = false
				return end, ferr
			}
			// The server deleted it before failing.
			delete(model.live, id)
			model.deleted = append(model.deleted, id)
			return end, ferr
		}
		delete(model.live, id)
		model.deleted = append(model.deleted, id)
		return endOK, nil
	}
	return endExhausted, fmt.Errorf("unknown op kind %d", op.kind)
}

// onlyUnavailable accepts UNAVAILABLE, the code of the faults and of the
// restart once retries are spent, and turns anything else into an error.
func onlyUnavailable(err error) error {
	var xerr *xai.Error
	if !errors.As(err, &xerr) {
		return fmt.Errorf("error %v (%T) is not an *xai.Error", err, err)
	}
	if xerr.Code != codes.Unavailable {
		return fmt.Errorf("failed with %v, want success or UNAVAILABLE", err)
	}
	return nil
}

type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) < 20 {
		l.errs = append(l.errs, err)
	}
}

func (l *errorList) list() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}

// minus returns the elements of a not in b; both are sorted.
func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if _, found := slices.BinarySearch(b, s); !found {
			out = append(out, s)
		}
	}
	return out
}
