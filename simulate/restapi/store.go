package restapi

import (
	"container/list"
	"sync"
)

// store keeps the calls in creation order, at most max of them. Creating
// a call when it is full evicts the oldest ended call; when every stored
// call is still live the create is refused.
type store struct {
	mu    sync.Mutex
	max   int
	seq   uint64
	order list.List // *record, oldest first
	bySid map[string]*list.Element
}

func newStore(max int) *store {
	return &store{max: max, bySid: make(map[string]*list.Element)}
}

// add stores rec, evicting if needed; false when full of live calls. The
// caller holds mu.
func (st *store) add(rec *record) bool {
	if st.order.Len() >= st.max {
		var victim *list.Element
		for e := st.order.Front(); e != nil; e = e.Next() {
			if e.Value.(*record).status.Ended() {
				victim = e
				break
			}
		}
		if victim == nil {
			return false
		}
		st.remove(victim)
	}
	st.seq++
	rec.seq = st.seq
	st.bySid[rec.sid] = st.order.PushBack(rec)
	return true
}

// remove drops e; the caller holds mu.
func (st *store) remove(e *list.Element) {
	delete(st.bySid, e.Value.(*record).sid)
	st.order.Remove(e)
}

// get returns the record for sid; the caller holds mu.
func (st *store) get(sid string) *record {
	if e := st.bySid[sid]; e != nil {
		return e.Value.(*record)
	}
	return nil
}
