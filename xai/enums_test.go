package xai

import "testing"

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
