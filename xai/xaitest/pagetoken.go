package xaitest

import (
	"encoding/base64"
	"encoding/json"
)

// pageToken is the one format of the fake's pagination tokens, for every
// listing (files, collections, documents, batches, batch requests and
// results): where the listing stopped, as the sort key of the last item
// returned, and which listing, sort and order issued it, so that a token
// is refused by any other. It travels as base64url JSON: opaque to
// clients, readable when debugging.
type pageToken struct {
	Listing string `json:"l"`           // the listing that issued it, with its scope (a collection or batch ID)
	Sort    int32  `json:"s,omitempty"` // the sort_by it was issued for
	Desc    bool   `json:"d,omitempty"` // whether the order was descending
	Name    string `json:"n,omitempty"` // the last item's name, when sorted by name
	Num     int64  `json:"z,omitempty"` // the last item's size or position, when sorted by it
	Seq     int64  `json:"q"`           // the last item's creation order, breaking ties
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodePageToken reads a token of listing issued for sort and desc, or
// answers INVALID_ARGUMENT: for text that is no token of this server, and
// for a token of another listing, sort or order.
func decodePageToken(s, listing string, sort int32, desc bool) (pageToken, error) {
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil || t.Listing == "" {
		return t, invalid("pagination_token is not a token this server issued")
	}
	if t.Listing != listing || t.Sort != sort || t.Desc != desc {
		return t, invalid("pagination_token was issued for a different listing, sort_by or order")
	}
	return t, nil
}
