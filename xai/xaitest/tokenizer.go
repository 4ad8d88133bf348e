package xaitest

import (
	"context"
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// The fake's tokenizer is deterministic and simple, and it is used both by
// the Tokenize service and for usage accounting:
//
//   - a run of letters (with combining marks) is a token, cut every
//     maxWordRunes runes;
//   - a run of digits is a token, cut every 3 digits;
//   - every other character (punctuation, symbols, emoji) is a token alone;
//   - a single space before a word, number or symbol belongs to that token
//     (" world"); other white space forms tokens of its own;
//   - bytes that are not valid UTF-8 are one token each.
//
// Concatenating the tokens of a text gives back the text exactly.
const (
	maxWordRunes = 12
	maxDigits    = 3
	vocabSize    = 131072
)

// scanTokens calls fn with each token of text, in order, as a substring of
// text (no allocation).
func scanTokens(text string, fn func(tok string)) {
	i := 0
	for i < len(text) {
		start := i
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == ' ' && i+1 < len(text) {
			if next, _ := utf8.DecodeRuneInString(text[i+1:]); !unicode.IsSpace(next) {
				// The space joins the token that follows it.
				i++
				r, size = utf8.DecodeRuneInString(text[i:])
			}
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			i += max(size, 1)
		case unicode.IsSpace(r):
			for i < len(text) {
				r, size := utf8.DecodeRuneInString(text[i:])
				if !unicode.IsSpace(r) {
					break
				}
				// Leave a final space to the token that follows, if any.
				if r == ' ' && i+1 < len(text) && i > start {
					if next, _ := utf8.DecodeRuneInString(text[i+1:]); !unicode.IsSpace(next) {
						break
					}
				}
				i += size
			}
		case unicode.IsLetter(r) || unicode.IsMark(r):
			i = scanRun(text, i, maxWordRunes, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsMark(r) })
		case unicode.IsDigit(r):
			i = scanRun(text, i, maxDigits, unicode.IsDigit)
		default:
			i += size
		}
		fn(text[start:i])
	}
}

// scanRun returns the end of the run of at most limit runes matching in,
// starting at i.
func scanRun(text string, i, limit int, in func(rune) bool) int {
	for n := 0; n < limit && i < len(text); n++ {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && size <= 1 || !in(r) {
			break
		}
		i += size
	}
	return i
}

// tokenize returns the tokens of text.
func tokenize(text string) []string {
	var out []string
	scanTokens(text, func(tok string) { out = append(out, tok) })
	return out
}

// countTokens returns the number of tokens in text.
func countTokens(text string) int {
	n := 0
	scanTokens(text, func(string) { n++ })
	return n
}

// tokenID is a token's stable ID in the fake vocabulary.
func tokenID(tok string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(tok))
	return h.Sum32() % vocabSize
}

// truncateTokens returns the first n tokens of text and whether anything
// was cut.
func truncateTokens(text string, n int) (string, bool) {
	end, count := 0, 0
	scanTokens(text, func(tok string) {
		if count < n {
			end += len(tok)
		}
		count++
	})
	return text[:end], count > n
}

// tokenizeService implements the Tokenize service.
type tokenizeService struct {
	xaiv1.UnimplementedTokenizeServer
	s *Server
}

// TokenizeText splits text with the fake tokenizer.
func (t *tokenizeService) TokenizeText(_ context.Context, req *xaiv1.TokenizeTextRequest) (*xaiv1.TokenizeTextResponse, error) {
	m, err := t.s.lookupLanguageModel(req.GetModel())
	if err != nil {
		return nil, err
	}
	if err := t.s.checkTokenizeTokens(req.GetText()); err != nil {
		return nil, err
	}
	resp := &xaiv1.TokenizeTextResponse{Model: m.name}
	scanTokens(req.GetText(), func(tok string) {
		resp.Tokens = append(resp.Tokens, &xaiv1.Token{
			TokenId:     tokenID(tok),
			StringToken: strings.ToValidUTF8(tok, "\uFFFD"),
			TokenBytes:  []byte(tok),
		})
	})
	return resp, nil
}
