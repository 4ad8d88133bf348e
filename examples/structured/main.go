// Command structured shows structured output: a JSON Schema derived from a
// Go struct (xai.JSONSchemaFor) makes the model answer with JSON of that
// shape, which Response.Decode reads straight into a Go value.
//
// Run it from the root of the repository with
//
//	go run ./examples/structured
//
// With XAI_API_KEY set it talks to the real xAI API; without it, to a fake
// xAI server running inside the program, which fills the schema with
// placeholder values of the right types.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/gogrok/sdk/examples/internal/connect"
	"github.com/gogrok/sdk/xai"
)

// Recipe is the shape of the answer. json tags name the properties; desc
// tags describe them to the model; enum tags list the allowed values. Every
// field is required unless tagged omitempty.
type Recipe struct {
	Name        string       `json:"name" desc:"the name of the dish"`
	Servings    int          `json:"servings" desc:"how many people it feeds"`
	Difficulty  string       `json:"difficulty" enum:"easy,medium,hard"`
	Vegetarian  bool         `json:"vegetarian"`
	Ingredients []Ingredient `json:"ingredients"`
	Steps       []string     `json:"steps" desc:"the method, one step per item"`
}

// Ingredient is one line of a recipe's ingredient list.
type Ingredient struct {
	Name     string `json:"name"`
	Quantity string `json:"quantity" desc:"amount with its unit, for example 200 g"`
}

func main() {
	log.SetFlags(0)
	if err := run(context.Background()); err != nil {
		log.Fatalf("structured: %v", err)
	}
}

func run(ctx context.Context) error {
	client, cleanup, err := connect.Client()
	if err != nil {
		return err
	}
	defer cleanup()

	schema, err := xai.JSONSchemaFor[Recipe]()
	if err != nil {
		return err
	}
	fmt.Println("Schema:", schema)

	chat := client.Chat.Create("grok-4", xai.WithJSONSchema(schema))
	chat.Append(xai.User("Give me a simple recipe for pancakes."))
	resp, err := chat.Sample(ctx)
	if err != nil {
		return err
	}

	// Decode parses the answer into the struct; the JSON follows the schema.
	var recipe Recipe
	if err := resp.Decode(&recipe); err != nil {
		return err
	}
	fmt.Printf("Recipe: %s (serves %d, %s, vegetarian: %t)\n",
		recipe.Name, recipe.Servings, recipe.Difficulty, recipe.Vegetarian)
	for _, in := range recipe.Ingredients {
		fmt.Printf("  - %s: %s\n", in.Name, in.Quantity)
	}
	for i, s := range recipe.Steps {
		fmt.Printf("  %d. %s\n", i+1, s)
	}
	return nil
}
