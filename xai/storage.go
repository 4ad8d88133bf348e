package xai

import (
	"time"

	xaiv1 "github.com/gogrok/sdk/gen/xai/api/v1"
)

// Storage asks for generated media to be saved as files with the Files API
// as well ([WithImageStorage], [WithVideoStorage]); [GeneratedImage.File] and
// [Video.File] then describe the saved files.
type Storage struct {
	// Filename is the name to give the stored file; when empty the server
	// chooses one.
	Filename string
	// ExpiresAfter is how long the file is kept, from one hour to 30 days
	// in whole seconds. Zero keeps it until it is deleted.
	ExpiresAfter time.Duration
	// PublicURL also creates a public link to the file.
	PublicURL bool
	// PublicURLExpiresAfter is how long the public link works, from one
	// hour to 30 days in whole seconds. Zero makes it last as long as the
	// file. It requires [PublicURL].
	PublicURLExpiresAfter time.Duration
}

// proto converts the storage settings, rejecting lifetimes the API does
// not accept.
func (s Storage) proto(option string) (*xaiv1.StorageOptions, error) {
	pb := &xaiv1.StorageOptions{Filename: s.Filename}
	var err error
	if pb.ExpiresAfter, err = storageSeconds(option, "ExpiresAfter", s.ExpiresAfter); err != nil {
		return nil, err
	}
	switch {
	case s.PublicURL:
		secs, err := storageSeconds(option, "PublicURLExpiresAfter", s.PublicURLExpiresAfter)
		if err != nil {
			return nil, err
		}
		pb.PublicUrl = &xaiv1.PublicUrlOptions{ExpiresAfter: secs}
	case s.PublicURLExpiresAfter != 0:
		return nil, invalidArgument("%s: PublicURLExpiresAfter is set but PublicURL is false; set PublicURL to create a public link", option)
	}
	return pb, nil
}

// storageSeconds converts a lifetime to whole seconds, nil for zero; any
// other lifetime is checked as the Files API's (checkLifetime).
func storageSeconds(option, field string, d time.Duration) (*int64, error) {
	if d == 0 {
		return nil, nil
	}
	if err := checkLifetime(option+": "+field, d); err != nil {
		return nil, err
	}
	secs := int64(d / time.Second)
	return &secs, nil
}
