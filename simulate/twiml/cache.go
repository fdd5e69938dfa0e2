package twiml

import (
	"sync"
	"sync/atomic"
)

// Cache parses each distinct document once: a load run's calls mostly get
// the same few bodies back, and parsing plus validation is a large share
// of callsim's own work per request. Documents are never changed after
// Parse, so calls on many goroutines share them. Safe for concurrent use.
type Cache struct {
	m       sync.Map // body → cached
	n       atomic.Int64
	clears  atomic.Int64
	max     int64
	maxBody int
}

// maxClears is how many times a cache may fill up before it stops
// storing: an app whose every answer differs (a CallSid in each action
// URL) gains nothing from it, and would make every call write to it.
const maxClears = 8

type cached struct {
	doc *Document
	err error
}

// NewCache keeps up to entries documents of at most maxBody bytes each;
// when it is full it starts again empty, so memory stays bounded whatever
// an app answers.
func NewCache(entries, maxBody int) *Cache {
	return &Cache{max: int64(entries), maxBody: maxBody}
}

// Parse is the package's Parse, remembered by the body's exact bytes.
func (c *Cache) Parse(body string) (*Document, error) {
	if c == nil || len(body) > c.maxBody {
		return Parse([]byte(body))
	}
	if v, ok := c.m.Load(body); ok {
		e := v.(cached)
		return e.doc, e.err
	}
	doc, err := Parse([]byte(body))
	if c.clears.Load() >= maxClears {
		return doc, err
	}
	if c.n.Add(1) > c.max {
		c.clears.Add(1)
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(body, cached{doc, err})
	return doc, err
}
