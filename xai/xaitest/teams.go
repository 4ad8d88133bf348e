package xaitest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Teams. On the real service every key belongs to a team, and what a key
// creates (stored responses, deferred requests, files, collections,
// batches, videos) belongs to that team. The fake does the same: a key
// sees only its own team's state, and everything of another team answers
// NOT_FOUND, exactly as if it did not exist. Encrypted blobs are sealed to
// their team, so a blob replayed by another team is INVALID_ARGUMENT.
//
// By default every API key is a team of its own, and every management key
// joins the team of the first API key (the key Conn sends): one API key
// and one management key make one team, as when a team's administrator
// manages the collections its API keys search. WithTeams groups keys,
// management keys included, into named teams.

// WithTeams groups keys into teams: each entry maps a team name to its
// keys, API keys or management keys. A key may belong to one team only,
// and must be a key the server accepts (see [WithAPIKeys] and
// [WithManagementKeys]). Keys named in no team keep the default: an API key
// is a team of its own, a management key joins the team of the first API
// key. The team name is not a secret: Auth.get_api_key_info derives the
// team_id from it.
func WithTeams(teams map[string][]string) Option {
	cp := make(map[string][]string, len(teams))
	for name, keys := range teams {
		cp[name] = slices.Clone(keys)
	}
	return func(c *config) { c.teams = cp }
}

// team names the team of a key. A named team ([WithTeams]) is "name:" plus
// its name; the team a key forms alone is "key:" plus a hash of the key,
// so that no team value holds a secret.
type team string

// newTeams maps every accepted key to its team and checks the groups of
// [WithTeams].
func newTeams(cfg *config) (map[string]team, error) {
	teams := make(map[string]team)
	for _, k := range cfg.apiKeys {
		teams[k] = team("key:" + stableUUID("key", k))
	}
	for _, k := range cfg.managementKeys {
		teams[k] = teams[cfg.apiKeys[0]]
	}
	named := make(map[string]string) // key -> team name, to find repeats
	for _, name := range slices.Sorted(maps.Keys(cfg.teams)) {
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("xaitest: WithTeams: a team name is empty")
		}
		for i, k := range cfg.teams[name] {
			if _, ok := teams[k]; !ok {
				return nil, fmt.Errorf("xaitest: WithTeams: key %d of team %q is not an accepted API or management key", i, name)
			}
			if other, dup := named[k]; dup {
				return nil, fmt.Errorf("xaitest: WithTeams: key %d of team %q is already in team %q", i, name, other)
			}
			named[k] = name
			teams[k] = team("name:" + name)
		}
	}
	return teams, nil
}

// teamKey is the context key of the caller's team.
type teamKey struct{}

// withTeam returns ctx carrying the caller's team.
func withTeam(ctx context.Context, t team) context.Context {
	return context.WithValue(ctx, teamKey{}, t)
}

// teamOf returns the team of the call ctx belongs to, set when the call was
// authenticated. Every call the services see has one.
func teamOf(ctx context.Context) team {
	t, _ := ctx.Value(teamKey{}).(team)
	return t
}

// teamID is the team_id Auth.get_api_key_info reports for a team.
func teamID(t team) string { return stableUUID("team", string(t)) }
