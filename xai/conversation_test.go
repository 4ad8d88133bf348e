package xai

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

func TestSaveRestore(t *testing.T) {
	t.Parallel()
	srv, c := newFake(t, true)
	ctx := context.Background()
	chat := c.Chat.Create("grok-4",
		WithEncryptedContent(true), WithStoreMessages(false), WithTemperature(0.7), WithMaxTokens(500),
		WithInclude(IncludeInlineCitations), WithTools(WebSearch()), WithUser("u-1"),
	).Append(System("Be brief."), User("think about 7"))
	resp, err := chat.Sample(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chat.Append(resp)

	data, err := chat.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var probe map[string]any
	if err := json.Unmarshal(data, &probe); err != nil || probe["version"] != float64(1) {
		t.Fatalf("saved JSON %s: version %v, %v", data, probe["version"], err)
	}
	if viaJSON, err := json.Marshal(chat); err != nil || string(viaJSON) != string(data) {
		t.Errorf("json.Marshal(chat) differs from MarshalJSON: %v", err)
	}

	restored, err := c.Chat.Restore(data)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(restored.Request(), chat.Request()) {
		t.Fatalf("restored request differs:\n%v\nwant\n%v", restored.Request(), chat.Request())
	}
	if restored.Request().GetMessages()[2].GetEncryptedContent() == "" {
		t.Fatal("encrypted content lost in the round trip")
	}
	// The restored chat continues where the saved one stopped, reasoning
	// included.
	if _, err := restored.Append(User("and now?")).Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if len(srv.RestoredReasoning()) == 0 {
		t.Error("the server restored no reasoning from the saved conversation")
	}
}

func TestRestoreErrors(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithAPIKey(testKey), WithoutEnv())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tests := []struct {
		name string
		data string
		want []string
	}{
		{"empty", ``, []string{"not valid JSON"}},
		{"truncated", `{"version":1,"request":{`, []string{"not valid JSON"}},
		{"garbage", `hello`, []string{"not valid JSON", "byte 1"}},
		{"array", `[1,2]`, []string{"not a saved chat"}},
		{"no version", `{"request":{"model":"grok-4"}}`, []string{"no version"}},
		{"future version", `{"version":2,"request":{"model":"grok-4"}}`, []string{"version 2", "reads version 1"}},
		{"no request", `{"version":1}`, []string{"no request"}},
		{"bad field", `{"version":1,"request":{"temperature":"hot"}}`, []string{"saved request is not valid"}},
		{"unknown field", `{"version":1,"request":{"model":"grok-4","flavour":"x"}}`, []string{"saved request is not valid", "flavour"}},
		{"out of range", `{"version":1,"request":{"model":"grok-4","temperature":3}}`, []string{"Restore", "temperature", "between 0 and 2"}},
		{"bad include", `{"version":1,"request":{"model":"grok-4","include":["INCLUDE_OPTION_INVALID"]}}`, []string{"include"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Chat.Restore([]byte(tt.data))
			checkErr(t, err, codes.InvalidArgument, tt.want...)
		})
	}

	bad := c.Chat.Create("grok-4", WithTemperature(5))
	if _, err := bad.MarshalJSON(); err == nil || !strings.Contains(err.Error(), "WithTemperature") {
		t.Errorf("MarshalJSON of an invalid chat = %v", err)
	}
}
