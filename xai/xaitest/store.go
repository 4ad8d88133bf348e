package xaitest

import (
	"crypto/rand"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// deferredRetention is how long the result of a deferred completion can be
// fetched before it reports EXPIRED.
const deferredRetention = 24 * time.Hour

// storedResponse is a chat response kept because store_messages was set.
type storedResponse struct {
	resp *xaiv1.GetChatCompletionResponse
	team team
	// conversation is the full history the response continues, followed by
	// the assistant message of output 0. It is never modified: the
	// turns of a chain share one backing array (see convChain).
	conversation []*xaiv1.Message
	chain        *convChain
	// textTokens and imageTokens count conversation as a prompt.
	textTokens, imageTokens int
	expires                 time.Time
}

// A chain of previous_response_id turns keeps its conversation in one
// backing array: the turn that continues the newest stored turn appends
// its messages in place, after the last slot any stored turn uses, so that
// storing a turn costs O(its new messages) and continuing a chain costs
// the same at any depth. A turn that continues an older turn (a branch),
// or the newest while another request is extending it, copies the history
// into an array of its own.

// convChain guards the free end of a backing array shared by stored
// conversations.
type convChain struct {
	mu sync.Mutex
	// used is how many slots of the array stored conversations use, or
	// -1 while a request is appending past them.
	used int
}

// history returns sr's conversation ready for a request to append to,
// with the chain it claimed (nil when it had to copy). The claim ends with
// release or settle; a claim a request abandons (a stream cut before its
// end) only makes the next continuation of sr copy once.
func (sr *storedResponse) history() ([]*xaiv1.Message, *convChain) {
	n := len(sr.conversation)
	c := sr.chain
	c.mu.Lock()
	claimed := c.used == n
	if claimed {
		c.used = -1
	}
	c.mu.Unlock()
	if claimed {
		return sr.conversation, c
	}
	conv := make([]*xaiv1.Message, n, n+n/2+8)
	copy(conv, sr.conversation)
	return conv, nil
}

// release gives up a claim on the slots past the first n, which the
// request's messages no longer need.
func (c *convChain) release(n int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == -1 {
		c.used = n
	}
}

// settle returns the chain of a conversation about to be stored: the
// claimed one when conv still lives in its array (base is the array's
// first slot), else a new one, the claim being released.
func (c *convChain) settle(conv []*xaiv1.Message, base **xaiv1.Message, histLen int) *convChain {
	if c != nil && len(conv) > 0 && &conv[0] == base {
		c.mu.Lock()
		c.used = len(conv)
		c.mu.Unlock()
		return c
	}
	c.release(histLen)
	return &convChain{used: len(conv)}
}

// deferredJob is a deferred completion. The fake computes the answer when
// the job starts; polling reports PENDING as often as its outcome says and
// then how it ends.
type deferredJob struct {
	resp    *xaiv1.GetChatCompletionResponse
	team    team
	outcome DeferredOutcome
	polls   int
	expires time.Time
}

// DeferredOutcome scripts how a future deferred chat completion ends; see
// EnqueueDeferredOutcome.
type DeferredOutcome struct {
	// PendingPolls is how many polls report PENDING before the job ends.
	// 0 means the default of 1; a negative value means none.
	PendingPolls int
	// Status is how the job ends: DONE with the response (the default,
	// also for the zero value), FAILED or EXPIRED, both without one.
	Status xaiv1.DeferredStatus
}

// EnqueueDeferredOutcome scripts the next deferred chat completion started
// with StartDeferredCompletion (jobs use scripts first in, first out, one
// each, once their request passed validation). Jobs without a script
// report PENDING once, then DONE.
func (s *Server) EnqueueDeferredOutcome(o DeferredOutcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deferredOutcomes = append(s.deferredOutcomes, o)
}

// newID returns a random UUID, the shape of the real service's IDs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return formatUUID(b[:])
}

// storeResponse keeps a response for the retention period, unless its
// team has reached Limits.StoredResponsesPerTeam.
func (s *Server) storeResponse(sr *storedResponse) error {
	now := s.clock.Now()
	sr.expires = now.Add(s.cfg.retention)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.storeQuotaLocked(sr.team, now); err != nil {
		return err
	}
	s.responses[sr.resp.GetId()] = sr
	s.storedCount[sr.team]++
	s.maybeSweepLocked(now)
	return nil
}

// checkStoreQuota fails when t cannot store another response, so that a
// completion is refused before it is generated.
func (s *Server) checkStoreQuota(t team) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeQuotaLocked(t, now)
}

// storeQuotaLocked fails when t stores as many responses as its limit
// allows, after dropping the expired ones. s.mu must be held.
func (s *Server) storeQuotaLocked(t team, now time.Time) error {
	if s.storedCount[t] < s.cfg.limits.StoredResponsesPerTeam {
		return nil
	}
	for id := range s.responses {
		s.storedLocked(id, now)
	}
	if s.storedCount[t] < s.cfg.limits.StoredResponsesPerTeam {
		return nil
	}
	return s.errStoredQuota()
}

// dropStoredLocked forgets a stored response. s.mu must be held.
func (s *Server) dropStoredLocked(id string, sr *storedResponse) {
	delete(s.responses, id)
	if s.storedCount[sr.team]--; s.storedCount[sr.team] <= 0 {
		delete(s.storedCount, sr.team)
	}
}

// sweepEvery is how many insertions pass between sweeps of expired stored
// responses and deferred jobs, which are otherwise dropped only when looked
// up. Sweeping now and then keeps a long-running server's memory bounded
// at little cost per call.
const sweepEvery = 1024

// maybeSweepLocked drops expired entries every sweepEvery insertions.
// Deferred jobs stay one more deferredRetention after expiring, so polls
// can still report EXPIRED. s.mu must be held.
func (s *Server) maybeSweepLocked(now time.Time) {
	s.inserts++
	if s.inserts < sweepEvery {
		return
	}
	s.inserts = 0
	for id := range s.responses {
		s.storedLocked(id, now)
	}
	for id, job := range s.deferred {
		if !now.Before(job.expires.Add(deferredRetention)) {
			delete(s.deferred, id)
		}
	}
}

// storedLocked returns a live stored response, dropping it if it expired.
// s.mu must be held.
func (s *Server) storedLocked(id string, now time.Time) (*storedResponse, bool) {
	sr, ok := s.responses[id]
	if !ok {
		return nil, false
	}
	if !now.Before(sr.expires) {
		s.dropStoredLocked(id, sr)
		return nil, false
	}
	return sr, true
}

// stored returns a live stored response of team t, or NOT_FOUND: the
// responses of other teams do not exist for it.
func (s *Server) stored(t team, id string) (*storedResponse, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.storedLocked(id, now)
	if !ok || sr.team != t {
		return nil, notFoundResponse(id)
	}
	return sr, nil
}

func notFoundResponse(id string) error {
	return status.Errorf(codes.NotFound, "response %q not found: it was never stored (the request that made it did not set store_messages), was deleted, has expired, or belongs to another team", id)
}

// deleteStored removes a stored response of team t.
func (s *Server) deleteStored(t team, id string) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.storedLocked(id, now)
	if !ok || sr.team != t {
		return notFoundResponse(id)
	}
	s.dropStoredLocked(id, sr)
	return nil
}

// StoredResponseIDs returns the IDs of the chat responses currently stored
// (not deleted and not expired), sorted.
func (s *Server) StoredResponseIDs() []string {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.responses))
	for id := range s.responses {
		if _, ok := s.storedLocked(id, now); ok {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// startDeferred registers a computed response of team t under a new
// request ID.
func (s *Server) startDeferred(t team, resp *xaiv1.GetChatCompletionResponse) string {
	id := newID()
	now := s.clock.Now()
	job := &deferredJob{resp: proto.CloneOf(resp), team: t, expires: now.Add(deferredRetention)}
	s.mu.Lock()
	defer s.mu.Unlock()
	job.outcome, _ = popScript(&s.deferredOutcomes)
	job.outcome.PendingPolls = pendingPolls(job.outcome.PendingPolls)
	s.deferred[id] = job
	s.maybeSweepLocked(now)
	return id
}

// pollDeferred reports the state of a deferred job of team t.
func (s *Server) pollDeferred(t team, id string) (*xaiv1.GetDeferredCompletionResponse, error) {
	if id == "" {
		return nil, invalid("request_id is required")
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ok := s.deferred[id]
	switch {
	case !ok || job.team != t:
		return nil, status.Errorf(codes.NotFound, "deferred request %q not found", id)
	case !now.Before(job.expires):
		return &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_EXPIRED}, nil
	case job.polls < job.outcome.PendingPolls:
		job.polls++
		return &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_PENDING}, nil
	case job.outcome.Status == xaiv1.DeferredStatus_FAILED, job.outcome.Status == xaiv1.DeferredStatus_EXPIRED:
		return &xaiv1.GetDeferredCompletionResponse{Status: job.outcome.Status}, nil
	}
	return &xaiv1.GetDeferredCompletionResponse{
		Status:   xaiv1.DeferredStatus_DONE,
		Response: proto.CloneOf(job.resp),
	}, nil
}
