package xai_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gogrok/sdk/xai"
)

func ExampleUser() {
	msg := xai.User("What is in this image?",
		xai.ImageURL("https://example.com/cat.jpg", xai.DetailHigh))
	if err := msg.Err(); err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range msg.Proto().GetContent() {
		if img := c.GetImageUrl(); img != nil {
			fmt.Println("image:", img.GetImageUrl(), img.GetDetail())
		} else {
			fmt.Println("text:", c.GetText())
		}
	}
	// Output:
	// text: What is in this image?
	// image: https://example.com/cat.jpg DETAIL_HIGH
}

func ExampleUser_error() {
	// A part that cannot be built makes the whole message carry its error,
	// which the chat reports before anything is sent.
	msg := xai.User("Describe this.", xai.ImageURL("http://example.com/cat.jpg", xai.DetailAuto))
	fmt.Println(msg.Err())
	// Output:
	// xai: InvalidArgument: user message, part 1: image URL "http://example.com/cat.jpg" has scheme "http": only https URLs and base64 data URLs of PNG or JPEG images are accepted; serve the image over https or send it inline with xai.ImageBytes or xai.ImageFile
}

func ExampleSystem() {
	msg := xai.System("You are Grok, a helpful assistant.")
	fmt.Println(msg.Proto().GetRole(), msg.Proto().GetContent()[0].GetText())
	// Output: ROLE_SYSTEM You are Grok, a helpful assistant.
}

func ExampleToolResult() {
	msg := xai.ToolResult("call_42", `{"temperature_c":21}`)
	fmt.Println(msg.Proto().GetRole(), msg.Proto().GetToolCallId(), msg.Proto().GetContent()[0].GetText())
	// Output: ROLE_TOOL call_42 {"temperature_c":21}
}

func ExampleImageBytes() {
	// The first bytes of a PNG file; real code would pass a whole image.
	png := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	part := xai.ImageBytes(png, xai.DetailLow)
	fmt.Println(part.Proto().GetImageUrl().GetImageUrl())

	gif := []byte("GIF89a")
	fmt.Println(xai.ImageBytes(gif, xai.DetailLow).Err())
	// Output:
	// data:image/png;base64,iVBORw0KGgo=
	// xai: InvalidArgument: image data is not a PNG or JPEG image (found a GIF image): convert it to PNG or JPEG
}

func ExampleImageFile() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "photo.jpg")
	if err := os.WriteFile(path, []byte{0xff, 0xd8, 0xff, 0xe0}, 0o600); err != nil {
		fmt.Println(err)
		return
	}
	part := xai.ImageFile(path, xai.DetailAuto)
	fmt.Println(part.Err(), part.Proto().GetImageUrl().GetImageUrl())
	// Output: <nil> data:image/jpeg;base64,/9j/4A==
}

func ExampleImageURL_dataURL() {
	// Data URLs are checked whole: type, base64 and size.
	fmt.Println(xai.ImageURL("data:image/gif;base64,R0lGODlh", xai.DetailAuto).Err())
	fmt.Println(xai.ImageURL("data:image/png;base64,iVBORw0KGgo=", xai.Detail(5)).Err())
	// Output:
	// xai: InvalidArgument: image data URL has MIME type "image/gif": only image/png and image/jpeg are accepted; convert the image to PNG or JPEG
	// xai: InvalidArgument: unknown image detail Detail(5): use xai.DetailAuto, xai.DetailLow or xai.DetailHigh
}

func ExampleFileID() {
	part := xai.FileID("file-123")
	fmt.Println(part.Proto().GetFile().GetFileId())
	// Output: file-123
}

func ExampleJSONSchemaFor() {
	type Weather struct {
		City  string    `json:"city" desc:"City name, e.g. Paris"`
		TempC float64   `json:"temp_c"`
		Units string    `json:"units,omitempty" enum:"C,F"`
		At    time.Time `json:"at"`
	}
	schema, err := xai.JSONSchemaFor[Weather]()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(schema)
	// Output:
	// {"type":"object","properties":{"city":{"type":"string","description":"City name, e.g. Paris"},"temp_c":{"type":"number"},"units":{"type":"string","enum":["C","F"]},"at":{"type":"string","format":"date-time"}},"required":["city","temp_c","at"],"additionalProperties":false}
}

func ExampleFunctionToolFor() {
	type GetWeather struct {
		City string `json:"city" desc:"City to look up"`
	}
	tool := xai.FunctionToolFor[GetWeather]("get_weather", "Current weather in a city.")
	fn := tool.Proto().GetFunction()
	fmt.Println(fn.GetName())
	fmt.Println(fn.GetParameters())
	// Output:
	// get_weather
	// {"type":"object","properties":{"city":{"type":"string","description":"City to look up"}},"required":["city"],"additionalProperties":false}
}

func ExampleFunctionTool() {
	tool := xai.FunctionTool("get weather", "Current weather.", `{"type":"object"}`)
	fmt.Println(tool.Err())
	// Output:
	// xai: InvalidArgument: function name "get weather" is not valid: use 1 to 64 letters, digits, '_' or '-', such as "get_weather"
}

func ExampleWebSearch() {
	tool := xai.WebSearch(
		xai.WithWebSearchAllowedDomains("x.ai", "wikipedia.org"),
		xai.WithWebSearchImageUnderstanding(true),
	)
	ws := tool.Proto().GetWebSearch()
	fmt.Println(strings.Join(ws.GetAllowedDomains(), " "), ws.GetEnableImageUnderstanding())

	bad := xai.WebSearch(xai.WithWebSearchAllowedDomains("x.ai"), xai.WithWebSearchExcludedDomains("example.com"))
	fmt.Println(bad.Err())
	// Output:
	// x.ai wikipedia.org true
	// xai: InvalidArgument: web search: allowed and excluded domains cannot be combined: use one or the other
}

func ExampleMCP() {
	tool := xai.MCP("docs", "https://mcp.example.com/mcp",
		xai.WithMCPDescription("Product documentation"),
		xai.WithMCPAllowedTools("search_docs"),
	)
	m := tool.Proto().GetMcp()
	fmt.Println(m.GetServerLabel(), m.GetServerUrl(), m.GetAllowedToolNames())
	// Output: docs https://mcp.example.com/mcp [search_docs]
}

func ExampleToolMode() {
	fmt.Println(xai.ToolChoiceAuto, xai.ToolChoiceNone, xai.ToolChoiceRequired)
	// Output: auto none required
}
