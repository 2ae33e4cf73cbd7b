package history

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
)

// A build's symbol table is one blob: its (symbol id, CRC) pairs sorted by
// id, each id as a uvarint delta from the previous one and each CRC as 4
// little-endian bytes. Symbol names live once in the symbol table, so a
// 20,000-symbol build costs about 6 bytes a symbol.

// symbolIDs interns symbol names within one transaction.
type symbolIDs struct {
	tx     *sql.Tx
	ids    map[string]int64
	loaded bool
	insert *sql.Stmt
}

func (s *symbolIDs) id(ctx context.Context, name string) (int64, error) {
	if !s.loaded {
		rows, err := s.tx.QueryContext(ctx, "SELECT id, name FROM symbol")
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var id int64
			var n string
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return 0, err
			}
			s.ids[n] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
		if s.insert, err = s.tx.PrepareContext(ctx, "INSERT INTO symbol(name) VALUES (?)"); err != nil {
			return 0, err
		}
		s.loaded = true
	}
	if id, ok := s.ids[name]; ok {
		return id, nil
	}
	res, err := s.insert.ExecContext(ctx, name)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	s.ids[name] = id
	return id, nil
}

// encode interns the names of t and returns its blob.
func (s *symbolIDs) encode(ctx context.Context, t []Symbol) ([]byte, error) {
	type pair struct {
		id  int64
		crc uint32
	}
	pairs := make([]pair, 0, len(t))
	for _, sym := range t {
		id, err := s.id(ctx, sym.Name)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{id, sym.CRC})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return int(a.id - b.id) })
	blob := make([]byte, 0, len(pairs)*6)
	var prev int64
	for i, p := range pairs {
		if i > 0 && p.id == prev {
			return nil, errors.New("a symbol twice in one build")
		}
		blob = binary.AppendUvarint(blob, uint64(p.id-prev))
		blob = binary.LittleEndian.AppendUint32(blob, p.crc)
		prev = p.id
	}
	return blob, nil
}

// decodeSymbols undoes encode, returning the table in symbol id order.
func decodeSymbols(blob []byte, names map[int64]string) ([]Symbol, error) {
	out := make([]Symbol, 0, len(blob)/5)
	var id int64
	for len(blob) > 0 {
		d, n := binary.Uvarint(blob)
		if n <= 0 || len(blob) < n+4 {
			return nil, errors.New("symbol table blob is truncated")
		}
		id += int64(d)
		name, ok := names[id]
		if !ok {
			return nil, fmt.Errorf("symbol table names unknown symbol id %d", id)
		}
		out = append(out, Symbol{Name: name, CRC: binary.LittleEndian.Uint32(blob[n:])})
		blob = blob[n+4:]
	}
	return out, nil
}
