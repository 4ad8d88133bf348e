package xai

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

func TestParseEnums(t *testing.T) {
	t.Parallel()
	if d, err := ParseDetail(" HIGH "); err != nil || d != DetailHigh {
		t.Errorf("ParseDetail = %v, %v", d, err)
	}
	if e, err := ParseReasoningEffort("low"); err != nil || e != EffortLow {
		t.Errorf("ParseReasoningEffort = %v, %v", e, err)
	}
	if s, err := ParseServiceTier("Priority"); err != nil || s != ServiceTierPriority {
		t.Errorf("ParseServiceTier = %v, %v", s, err)
	}
	if f, err := ParseImageFormat("base64"); err != nil || f != ImageFormatBase64 {
		t.Errorf("ParseImageFormat = %v, %v", f, err)
	}
	_, err := ParseDetail("medium")
	wantInvalid(t, err, `ParseDetail("medium")`, "auto, low, high")
	_, err = ParseReasoningEffort("")
	wantInvalid(t, err, "ParseReasoningEffort", "none, low, medium, high, xhigh")
	_, err = ParseServiceTier("fast")
	wantInvalid(t, err, "default, priority")
	_, err = ParseImageFormat("png")
	wantInvalid(t, err, "url, base64")
}

// Every string enum goes through one translation (wireValue): an unknown
// value fails naming the option and the value, and changes nothing.
func TestUnknownEnumValues(t *testing.T) {
	t.Parallel()
	bad := func(option string, apply func() error) {
		t.Helper()
		err := apply()
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), option) || !strings.Contains(err.Error(), `"bogus"`) {
			t.Errorf("%s(\"bogus\"): %v; want InvalidArgument naming the option and the value", option, err)
		}
	}
	chat := func(o ChatOption) func() error {
		return func() error {
			r := &xaiv1.GetCompletionsRequest{}
			err := o.applyChat(r)
			if !proto.Equal(r, &xaiv1.GetCompletionsRequest{}) {
				t.Errorf("a refused option changed the request: %v", r)
			}
			return err
		}
	}
	image := func(o ImageOption) func() error {
		return func() error {
			c := imageConfig{req: &xaiv1.GenerateImageRequest{}}
			err := o.applyImage(&c)
			if !proto.Equal(c.req, &xaiv1.GenerateImageRequest{}) {
				t.Errorf("a refused option changed the request: %v", c.req)
			}
			return err
		}
	}
	bad("WithReasoningEffort", chat(WithReasoningEffort("bogus")))
	bad("WithServiceTier", chat(WithServiceTier("bogus")))
	bad("WithInclude", chat(WithInclude(IncludeInlineCitations, "bogus")))
	bad("WithImageFormat", image(WithImageFormat("bogus")))
	bad("WithImageAspectRatio", image(WithImageAspectRatio("bogus")))
	bad("WithImageResolution", image(WithImageResolution("bogus")))
	bad("WithImageQuality", image(WithImageQuality("bogus")))
	bad("WithEmbedEncoding", func() error {
		c := embedConfig{req: &xaiv1.EmbedRequest{}}
		return WithEmbedEncoding("bogus").applyEmbed(&c)
	})
	bad("WithVideoAspectRatio", func() error { return WithVideoAspectRatio("bogus").(videoOption).apply(&xaiv1.GenerateVideoRequest{}) })
	bad("WithVideoResolution", func() error { return WithVideoResolution("bogus").(videoOption).apply(&xaiv1.GenerateVideoRequest{}) })
}
