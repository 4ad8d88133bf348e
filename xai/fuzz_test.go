package xai

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
	"google.golang.org/protobuf/proto"
)

// The seed corpora below run as ordinary tests with `go test`; run e.g.
// `go test -fuzz=FuzzDataURL ./xai` to explore further.

func FuzzImageBytes(f *testing.F) {
	f.Add(fakePNG(16), 0)
	f.Add(fakeJPEG(3), 2)
	f.Add(gifBytes, 1)
	f.Add([]byte{}, 0)
	f.Add(pngMagic[:7], 0)
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBP"), 1)
	f.Add(fakePNG(8), 3)
	f.Add(fakeJPEG(10), -1)
	f.Fuzz(func(t *testing.T, data []byte, detail int) {
		p := ImageBytes(data, Detail(detail))
		if err := p.Err(); err != nil {
			checkFuzzError(t, err)
			if p.Proto() != nil {
				t.Fatal("a part with an error has a proto")
			}
			return
		}
		u := p.Proto().GetImageUrl().GetImageUrl()
		if err := checkImageURL(u); err != nil {
			t.Fatalf("ImageBytes built a data URL its own checker rejects: %v", err)
		}
		_, b64data, _ := strings.Cut(u, ",")
		got, err := base64.StdEncoding.DecodeString(b64data)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("data URL does not round-trip (err %v)", err)
		}
	})
}

func FuzzDataURL(f *testing.F) {
	png, jpeg := b64(fakePNG(20)), b64(fakeJPEG(20))
	for _, s := range []string{
		"data:image/png;base64," + png,
		"data:image/jpeg;base64," + jpeg,
		"data:image/jpeg;base64," + png,
		"data:image/gif;base64," + b64(gifBytes),
		"data:image/png;base64,@@@@",
		"data:image/png;base64,iVBORw0KGgo=",
		"data:image/png;base64,iVBORw0KGgo",
		"data:image/png;base64,",
		"data:image/png,abc",
		"data:image/png;base64",
		"data:;base64,",
		"data:,",
		"data:",
		"DATA:IMAGE/PNG;BASE64," + png,
		"data:image/png;base64," + wrap(png, 8),
		"data:image/png;base64,====",
		"data:image/png;base64,iVBO\nRw0K\rGgo=",
		"https://example.com/a.png",
		"http://example.com/a.png",
		"https://",
		"https://exa mple.com",
		"example.com",
		"",
		"\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkImageURL(s)
		if err != nil {
			checkFuzzError(t, err)
			return
		}
		if len(s) >= 5 && strings.EqualFold(s[:5], "data:") {
			// An accepted data URL decodes to a PNG or JPEG image of its
			// declared type.
			meta, payload, _ := strings.Cut(s[5:], ",")
			payload = strings.NewReplacer("\r", "", "\n", "").Replace(payload)
			data, derr := base64.StdEncoding.DecodeString(payload)
			if derr != nil {
				t.Fatalf("accepted data URL does not decode: %v", derr)
			}
			mime := strings.ToLower(strings.TrimSpace(strings.Split(meta, ";")[0]))
			if got := sniffImage(data); got == "" || got != mime {
				t.Fatalf("accepted data URL declares %q but holds %q", mime, got)
			}
			if len(data) > MaxImageBytes {
				t.Fatal("accepted data URL is over the size limit")
			}
		}
		// The builder agrees with the checker.
		if err := ImageURL(s, DetailAuto).Err(); err != nil {
			t.Fatalf("checker accepts %q but ImageURL rejects it: %v", s, err)
		}
	})
}

func FuzzValidateMessages(f *testing.F) {
	id := "call_1"
	seeds := [][]*xaiv1.Message{
		{System("s").Proto(), User("u", ImageURL("https://example.com/a.png", DetailHigh)).Proto()},
		{User("u").Proto(), System("s").Proto()},
		{System("a").Proto(), Developer("b").Proto()},
		{{Role: xaiv1.MessageRole_ROLE_TOOL, Content: []*xaiv1.Content{textContent("x")}}},
		{{Role: xaiv1.MessageRole_ROLE_TOOL, Content: []*xaiv1.Content{textContent("x")}, ToolCallId: &id}},
		{{Role: xaiv1.MessageRole_INVALID_ROLE}},
		{{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{{}}}},
		{{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{imageURLContent("data:image/png;base64,"+b64(fakePNG(12)), 0)}}},
		{{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{imageURLContent("data:image/png;base64,!!", 7)}}},
		{{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{imageContent(&xaiv1.ImageUrlContent{})}}},
		{{Role: xaiv1.MessageRole_ROLE_USER, Content: []*xaiv1.Content{fileContent(&xaiv1.FileContent{FileId: "f", Data: []byte{1}})}}},
		{{Role: xaiv1.MessageRole_ROLE_ASSISTANT, EncryptedContent: "e"}},
		{{Role: xaiv1.MessageRole(99)}},
	}
	for _, msgs := range seeds {
		b, err := proto.Marshal(&xaiv1.GetCompletionsRequest{Messages: msgs})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x02, 0x10, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		var req xaiv1.GetCompletionsRequest
		if proto.Unmarshal(b, &req) != nil {
			return
		}
		if err := validateMessages(req.GetMessages()); err != nil {
			checkFuzzError(t, err)
			if !strings.Contains(err.Error(), "message ") {
				t.Fatalf("error does not name the message: %v", err)
			}
		}
	})
}
