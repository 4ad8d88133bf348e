package xai_test

// The calls of the fault suite (fault_test.go): their seeded plan, how one
// runs and which endings it may have, and the store the suite expects.

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"github.com/gogrok/sdk/xai"
	"github.com/gogrok/sdk/xai/xaitest"
)

// faultOpKind is what a planned call does.
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
	// No bound on the time a call takes: one that outlives its deadline
	// ends with DEADLINE_EXCEEDED, which callFaultOp refuses, and one that
	// hangs holds up the suite until go test's own timeout.
	start := time.Now()
	end, err := callFaultOp(ctx, client, op, arm, model, out)
	if err != nil {
		return err
	}
	out.add(op.kind, end, time.Since(start))
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
