package xaitest

import (
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The built-in model catalogue: the tables below are the only place that
// lists models.
//
// Names and aliases: every name of the official Python SDK 1.19.0
// (xai-org/xai-sdk-python, src/xai_sdk/types/model.py: the Literal lists
// ChatModel, ImageGenerationModel and VideoGenerationModel) is a name or
// an alias here, so that any model the SDK offers is accepted. That file
// lists names only; which name is the full name that responses report and
// which are its aliases follows the xAI model pages (docs.x.ai/developers/
// models, e.g. grok-4.20-0309-reasoning with aliases grok-4.20,
// grok-4.20-0309 and grok-4.20-reasoning-latest) and, where those are
// silent, the "-latest" naming pattern of the family. Models the SDK no
// longer lists (grok-2-*, grok-3-mini-beta and the like) stay, so that
// existing tests keep working. SDK 1.19 lists no embedding models; the one
// embedding model is the fake's own.
//
// Capabilities: vision (image input) and reasoning follow the same model
// pages; a model whose page we could not read takes its family's values.
// Prices are in USD ticks (1e-10 USD) per token, or per image for image
// models and per second for video models, so a usage's cost_in_usd_ticks
// is the sum of tokens times prices. They follow the public price lists
// where we found them (grok-4.20 and grok-4.3: $1.25 in, $0.20 cached,
// $2.50 out per million tokens) and are plausible stand-ins otherwise: do
// not test prices against the real service's.
//
// Listings keep the order of the tables; models older than this catalogue
// come first, newer ones follow.

// unpublished stands for the creation date of models whose release date
// we could not find; it is the date of the SDK release that lists them.
var unpublished = date(2026, time.May, 20)

var languageModels = []*languageModel{
	{
		named: named{"grok-4-0709", []string{"grok-4", "grok-4-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 30000, cachedTick: 7500, imageTick: 30000, outputTick: 150000, searchTick: 250000000,
		created: date(2025, time.July, 9), maxPrompt: 256000,
	},
	{
		named: named{"grok-4-fast-reasoning", []string{"grok-4-fast-reasoning-latest", "grok-4-fast"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.September, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-4-fast-non-reasoning", []string{"grok-4-fast-non-reasoning-latest"}}, version: "1.0.0",
		vision:     true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.September, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-code-fast-1", []string{"grok-code-fast", "grok-code-fast-1-0825"}}, version: "1.0.0",
		reasoning:  true,
		promptTick: 2000, cachedTick: 200, outputTick: 15000,
		created: date(2025, time.August, 28), maxPrompt: 256000,
	},
	{
		named: named{"grok-3", []string{"grok-3-latest", "grok-3-beta"}}, version: "1.0.0",
		promptTick: 30000, cachedTick: 7500, outputTick: 150000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
	{
		named: named{"grok-3-mini", []string{"grok-3-mini-latest", "grok-3-mini-beta"}}, version: "1.0.0",
		reasoning:  true,
		promptTick: 3000, cachedTick: 750, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
	{
		named: named{"grok-2-vision-1212", []string{"grok-2-vision", "grok-2-vision-latest"}}, version: "0.1.0",
		vision:     true,
		promptTick: 20000, imageTick: 20000, outputTick: 100000,
		created: date(2024, time.December, 12), maxPrompt: 32768,
	},
	{
		named: named{"grok-4.20-0309-reasoning", []string{"grok-4.20", "grok-4.20-0309", "grok-4.20-reasoning-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: date(2026, time.March, 9), maxPrompt: 1000000,
	},
	{
		named: named{"grok-4.20-0309-non-reasoning", []string{"grok-4.20-non-reasoning", "grok-4.20-non-reasoning-latest"}}, version: "1.0.0",
		vision:     true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: date(2026, time.March, 9), maxPrompt: 1000000,
	},
	{
		named: named{"grok-4.20-multi-agent-0309", []string{"grok-4.20-multi-agent", "grok-4.20-multi-agent-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: date(2026, time.March, 9), maxPrompt: 2000000,
	},
	{
		named: named{"grok-4.3", []string{"grok-4.3-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: date(2026, time.April, 30), maxPrompt: 1000000,
	},
	{
		named: named{"grok-4.5", []string{"grok-4.5-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: unpublished, maxPrompt: 1000000,
	},
	{
		named: named{"grok-4.6", nil}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 12500, cachedTick: 2000, imageTick: 12500, outputTick: 25000, searchTick: 250000000,
		created: unpublished, maxPrompt: 1000000,
	},
	{
		named: named{"grok-4-1-fast-reasoning", []string{"grok-4-1-fast", "grok-4-1-fast-reasoning-latest"}}, version: "1.0.0",
		vision: true, reasoning: true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.November, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-4-1-fast-non-reasoning", []string{"grok-4-1-fast-non-reasoning-latest"}}, version: "1.0.0",
		vision:     true,
		promptTick: 2000, cachedTick: 500, imageTick: 2000, outputTick: 5000, searchTick: 250000000,
		created: date(2025, time.November, 19), maxPrompt: 2000000,
	},
	{
		named: named{"grok-build-0.1", nil}, version: "0.1.0",
		reasoning:  true,
		promptTick: 2000, cachedTick: 200, outputTick: 15000,
		created: unpublished, maxPrompt: 256000,
	},
	{
		named: named{"grok-3-fast", []string{"grok-3-fast-latest"}}, version: "1.0.0",
		promptTick: 50000, cachedTick: 12500, outputTick: 250000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
	{
		named: named{"grok-3-mini-fast", []string{"grok-3-mini-fast-latest"}}, version: "1.0.0",
		reasoning:  true,
		promptTick: 6000, cachedTick: 1500, outputTick: 40000, searchTick: 250000000,
		created: date(2025, time.February, 17), maxPrompt: 131072,
	},
}

var embeddingModels = []*embeddingModel{
	{
		named: named{"v1", []string{"embedding-v1"}}, version: "1.0.0",
		promptTick: 1000, imageTick: 1000, created: date(2024, time.November, 1), dimensions: embeddingDims,
	},
}

var imageModels = []*imageModel{
	{
		named: named{"grok-2-image-1212", []string{"grok-2-image", "grok-2-image-latest"}}, version: "0.1.0",
		imageTick: 700000000, created: date(2024, time.December, 12), maxPrompt: 1024,
	},
	{
		named: named{"grok-imagine-image", []string{"grok-imagine-image-latest"}}, version: "1.0.0",
		imageTick: 200000000, created: date(2025, time.October, 1), maxPrompt: 4096,
	},
	{
		named: named{"grok-imagine-image-2.0", nil}, version: "2.0.0",
		imageTick: 200000000, created: unpublished, maxPrompt: 4096,
	},
	{
		named: named{"grok-imagine-image-quality", nil}, version: "1.0.0",
		imageTick: 700000000, created: unpublished, maxPrompt: 4096,
	},
}

var videoModels = []*videoModel{
	{
		named:      named{"grok-imagine-video", []string{"grok-imagine-video-latest"}},
		secondTick: 500000000, defaultSeconds: 6, maxSeconds: 15,
		maxResolution: xaiv1.VideoResolution_VIDEO_RESOLUTION_720P,
	},
	{
		named:      named{"grok-imagine-video-1.5", nil},
		secondTick: 500000000, defaultSeconds: 6, maxSeconds: 15,
		maxResolution: xaiv1.VideoResolution_VIDEO_RESOLUTION_720P,
	},
}
