package xaitest

import (
	"crypto/rand"
	"sort"
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
	// conversation is the full history the response continues, followed by
	// the assistant message of output 0. Its messages are never modified,
	// so chained responses share them.
	conversation []*xaiv1.Message
	// textTokens and imageTokens count conversation as a prompt.
	textTokens, imageTokens int
	expires                 time.Time
}

// deferredJob is a deferred completion. The fake computes the answer when
// the job starts; polling reports PENDING once and then DONE.
type deferredJob struct {
	resp    *xaiv1.GetChatCompletionResponse
	polled  bool
	expires time.Time
}

// newID returns a random UUID, the shape of the real service's IDs.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return formatUUID(b[:])
}

// storeResponse keeps a response for the retention period.
func (s *Server) storeResponse(sr *storedResponse) {
	now := s.clock.Now()
	sr.expires = now.Add(s.cfg.retention)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responses[sr.resp.GetId()] = sr
	s.maybeSweepLocked(now)
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
		delete(s.responses, id)
		return nil, false
	}
	return sr, true
}

// stored returns a live stored response or a NOT_FOUND error.
func (s *Server) stored(id string) (*storedResponse, error) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.storedLocked(id, now)
	if !ok {
		return nil, notFoundResponse(id)
	}
	return sr, nil
}

func notFoundResponse(id string) error {
	return status.Errorf(codes.NotFound, "response %q not found: it does not exist, was deleted or has expired", id)
}

// deleteStored removes a stored response.
func (s *Server) deleteStored(id string) error {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.storedLocked(id, now); !ok {
		return notFoundResponse(id)
	}
	delete(s.responses, id)
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

// startDeferred registers a computed response under a new request ID.
func (s *Server) startDeferred(resp *xaiv1.GetChatCompletionResponse) string {
	id := newID()
	now := s.clock.Now()
	job := &deferredJob{resp: proto.CloneOf(resp), expires: now.Add(deferredRetention)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deferred[id] = job
	s.maybeSweepLocked(now)
	return id
}

// pollDeferred reports a deferred job's state.
func (s *Server) pollDeferred(id string) (*xaiv1.GetDeferredCompletionResponse, error) {
	if id == "" {
		return nil, invalid("request_id is required")
	}
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	job, ok := s.deferred[id]
	switch {
	case !ok:
		return nil, status.Errorf(codes.NotFound, "deferred request %q not found", id)
	case !now.Before(job.expires):
		return &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_EXPIRED}, nil
	case !job.polled:
		job.polled = true
		return &xaiv1.GetDeferredCompletionResponse{Status: xaiv1.DeferredStatus_PENDING}, nil
	}
	return &xaiv1.GetDeferredCompletionResponse{
		Status:   xaiv1.DeferredStatus_DONE,
		Response: proto.CloneOf(job.resp),
	}, nil
}
