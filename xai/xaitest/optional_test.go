package xaitest_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// TestEmptyOptionalStringsAreUnset covers every optional string field that
// the official Python SDK 1.19 fills with `x or ""` (an audit of
// src/xai_sdk/**): the fake must take the "" for "not given", as the
// service does, instead of rejecting it as set but blank.
func TestEmptyOptionalStringsAreUnset(t *testing.T) {
	_, b := startClient(t, xaiv1.NewBatchMgmtClient)
	video := &xaiv1.VideoUrlContent{Source: &xaiv1.VideoUrlContent_Url{Url: "https://example.com/clip.mp4"}}

	for _, tc := range []struct {
		name   string
		source string // where the official SDK sends the empty string
		req    *xaiv1.BatchRequest
	}{
		{
			name:   "image batch_request_id",
			source: `src/xai_sdk/sync/image.py and aio/image.py, prepare: batch_request_id=batch_request_id or ""`,
			req: &xaiv1.BatchRequest{Request: &xaiv1.BatchRequest_ImageRequest{ImageRequest: &xaiv1.GenerateImageRequest{
				Model: "grok-imagine-image", Prompt: "a lighthouse at dusk",
			}}},
		},
		{
			name:   "video batch_request_id",
			source: `src/xai_sdk/sync/video.py and aio/video.py, prepare: batch_request_id=batch_request_id or ""`,
			req: &xaiv1.BatchRequest{Request: &xaiv1.BatchRequest_VideoRequest{VideoRequest: &xaiv1.GenerateVideoRequest{
				Model: "grok-imagine-video", Prompt: "waves on a beach",
			}}},
		},
		{
			name:   "video extension batch_request_id",
			source: `src/xai_sdk/sync/video.py and aio/video.py, prepare_extension: batch_request_id=batch_request_id or ""`,
			req: &xaiv1.BatchRequest{Request: &xaiv1.BatchRequest_VideoExtensionRequest{VideoExtensionRequest: &xaiv1.ExtendVideoRequest{
				Model: "grok-imagine-video", Prompt: "the camera pulls back", Video: video,
			}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batch := createBatch(t, b, tc.name)
			// Two requests with "" must not collide as duplicate IDs either.
			first, second := proto.CloneOf(tc.req), proto.CloneOf(tc.req)
			first.BatchRequestId, second.BatchRequestId = proto.String(""), proto.String("")
			if _, err := b.AddBatchRequests(ctx(t), &xaiv1.AddBatchRequestsRequest{
				BatchId: batch.GetBatchId(), BatchRequests: []*xaiv1.BatchRequest{first, second},
			}); err != nil {
				t.Fatalf("AddBatchRequests with batch_request_id \"\" (as sent by the official SDK, %s): %v", tc.source, err)
			}
			md, err := b.ListBatchRequestMetadata(ctx(t), &xaiv1.ListBatchRequestMetadataRequest{BatchId: batch.GetBatchId()})
			if err != nil {
				t.Fatal(err)
			}
			got := md.GetBatchRequestMetadata()
			if len(got) != 2 {
				t.Fatalf("listed %d requests, want 2", len(got))
			}
			// Unset means the server picks the IDs.
			for _, m := range got {
				if strings.TrimSpace(m.GetBatchRequestId()) == "" {
					t.Errorf("request listed with batch_request_id %q, want one chosen by the server", m.GetBatchRequestId())
				}
			}
			if got[0].GetBatchRequestId() == got[1].GetBatchRequestId() {
				t.Errorf("both requests got batch_request_id %q", got[0].GetBatchRequestId())
			}
		})
	}
}
