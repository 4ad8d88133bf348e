// Command tools shows a function tool round trip: the program offers the
// model a function (get_weather), the model asks for a call with JSON
// arguments, the program runs the function and sends the result back with
// ToolResult, and the model writes its final answer from it.
//
// Run it from the root of the repository with
//
//	go run ./examples/tools
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, whose answers (and the arguments
// of its tool calls) are canned.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

// WeatherArgs are the arguments of get_weather. The tool's JSON Schema is
// derived from this struct: json tags name the properties, desc tags
// describe them to the model, enum tags list the allowed values.
type WeatherArgs struct {
	City string `json:"city" desc:"the city, for example Paris"`
	Unit string `json:"unit" enum:"celsius,fahrenheit" desc:"the temperature unit"`
}

// Weather is what get_weather returns, sent to the model as JSON.
type Weather struct {
	City        string  `json:"city"`
	Temperature float64 `json:"temperature"`
	Unit        string  `json:"unit"`
	Sky         string  `json:"sky"`
}

// getWeather is the function the model may call. A real one would ask a
// weather service.
func getWeather(args WeatherArgs) (Weather, error) {
	if strings.TrimSpace(args.City) == "" {
		return Weather{}, errors.New("city is required")
	}
	w := Weather{City: args.City, Temperature: 18, Unit: "celsius", Sky: "sunny"}
	if args.Unit == "fahrenheit" {
		w.Temperature, w.Unit = 64.4, "fahrenheit"
	}
	return w, nil
}

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("tools: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	weatherTool := xai.FunctionToolFor[WeatherArgs]("get_weather", "Get the current weather in a city.")

	// The conversation so far, kept in a slice so that both requests below
	// can send it.
	turns := []xai.Turn{xai.User("What's the weather like in Paris today, in celsius?")}

	// 1. Ask. WithToolChoiceFunction makes the model call get_weather, so
	// that this example always shows a round trip; with the default
	// (ToolChoiceAuto) the model decides whether to call it.
	ask := client.Chat.Create("grok-4",
		xai.WithTools(weatherTool),
		xai.WithToolChoiceFunction("get_weather"),
	).Append(turns...)
	resp, err := ask.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Finish reason:", resp.FinishReason())
	if len(resp.ToolCalls()) == 0 {
		return errors.New("the model made no tool call")
	}

	// 2. Run every call the model made and answer each with ToolResult,
	// after the model's own turn (the response, which holds the calls).
	turns = append(turns, resp)
	for _, call := range resp.ToolCalls() {
		if !call.ClientSide() {
			continue // run by xAI on the server; nothing to do
		}
		fmt.Printf("Tool call:     %s(%s) [id %s]\n", call.Name(), call.RawArguments(), call.ID())
		result := runCall(call)
		fmt.Println("Tool result:  ", result)
		turns = append(turns, xai.ToolResult(call.ID(), result))
	}

	// 3. Send the results back. The tool stays available, but the choice is
	// left to the model, which now answers in words.
	answer := client.Chat.Create("grok-4", xai.WithTools(weatherTool)).Append(turns...)
	resp, err = answer.Sample(ctx)
	if err != nil {
		return err
	}
	fmt.Println("Final answer: ", resp.Content())
	return nil
}

// runCall runs one tool call and returns its result as JSON. Errors are
// reported to the model rather than ending the program: the model may have
// written bad arguments, and can try again or explain.
func runCall(call xai.ToolCall) string {
	if call.Name() != "get_weather" {
		return toJSON(map[string]string{"error": "unknown function " + call.Name()})
	}
	var args WeatherArgs
	if err := call.Arguments(&args); err != nil {
		return toJSON(map[string]string{"error": err.Error()})
	}
	w, err := getWeather(args)
	if err != nil {
		return toJSON(map[string]string{"error": err.Error()})
	}
	return toJSON(w)
}

// toJSON encodes v, which is known to be encodable.
func toJSON(v any) string {
	out, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(out)
}
