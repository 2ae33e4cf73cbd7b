package lzma2

// pick decodes a bit of probability *p and adapts *p. normalize follows
// each pick, keeping the range normalized between symbols; the two are
// apart so that each is inlined.
func pick(p *uint16, rng, code uint32) (uint32, uint32, uint32) {
	b, v, rng, code := pickv(uint32(*p), rng, code)
	*p = uint16(v)
	return b, rng, code
}

// pickv decodes a bit of probability v and returns v adapted. Both outcomes
// are computed and one picked without a branch (CMOV): the bits of the
// trees are too random for branch prediction.
func pickv(v, rng, code uint32) (b, nv, nrng, ncode uint32) {
	bound := (rng >> probBits) * v
	v0, v1 := v+(1<<probBits-v)>>moveBits, v-v>>moveBits
	r1, c1 := rng-bound, code-bound
	b, nv, nrng, ncode = 0, v0, bound, code
	if code >= bound {
		b, nv, nrng, ncode = 1, v1, r1, c1
	}
	return b, nv, nrng, ncode
}

func normalize(rng, code uint32, in *input, ip int) (uint32, uint32, int) {
	if rng < topValue {
		rng <<= 8
		code = code<<8 | uint32(in[ip])
		ip++
	}
	return rng, code, ip
}

// treeProbs is a bit tree's probabilities and what follows them in probs:
// a tree of up to 256 symbols reads its children's up to index 511. Fixed
// size arrays and masked indexes leave the loops without bounds checks and
// with their values in registers.
type treeProbs = [512]uint16

// tree decodes a symbol below limit (a power of two up to 256), high bit
// first, with the bit tree p. Both children's probabilities are loaded
// before the bit is known, taking the load off the chain of dependent
// steps.
func tree(p *treeProbs, limit uint32, rng, code uint32, in *input, ip int) (uint32, uint32, uint32, int) {
	sym := uint32(1)
	v := uint32(p[1])
	var b, nv uint32
	for sym < limit {
		v0, v1 := uint32(p[(2*sym)&511]), uint32(p[(2*sym+1)&511])
		b, nv, rng, code = pickv(v, rng, code)
		p[sym&511] = uint16(nv)
		sym = sym<<1 | b
		v = v0
		if b != 0 {
			v = v1
		}
		rng, code, ip = normalize(rng, code, in, ip)
	}
	return sym - limit, rng, code, ip
}

// reverse decodes a bits-bit symbol (bits up to 5), low bit first, with the
// bit tree p, loading ahead as tree does.
func reverse(p *treeProbs, bits uint32, rng, code uint32, in *input, ip int) (uint32, uint32, uint32, int) {
	sym, r := uint32(1), uint32(0)
	v := uint32(p[1])
	var b, nv uint32
	for i := uint32(0); i < bits; i++ {
		v0, v1 := uint32(p[(2*sym)&511]), uint32(p[(2*sym+1)&511])
		b, nv, rng, code = pickv(v, rng, code)
		p[sym&511] = uint16(nv)
		sym = sym<<1 | b
		r |= b << (i & 31)
		v = v0
		if b != 0 {
			v = v1
		}
		rng, code, ip = normalize(rng, code, in, ip)
	}
	return r, rng, code, ip
}

// length decodes a match length minus 2 with the length coder p.
func length(p []uint16, posState uint32, rng, code uint32, in *input, ip int) (uint32, uint32, uint32, int) {
	var b uint32
	b, rng, code = pick(&p[lenChoice], rng, code)
	rng, code, ip = normalize(rng, code, in, ip)
	if b == 0 {
		return tree((*treeProbs)(p[lenLow+posState<<3:]), 1<<3, rng, code, in, ip)
	}
	b, rng, code = pick(&p[lenChoice2], rng, code)
	rng, code, ip = normalize(rng, code, in, ip)
	if b == 0 {
		var l uint32
		l, rng, code, ip = tree((*treeProbs)(p[lenMid+posState<<3:]), 1<<3, rng, code, in, ip)
		return 8 + l, rng, code, ip
	}
	var l uint32
	l, rng, code, ip = tree((*treeProbs)(p[lenHigh:]), 1<<8, rng, code, in, ip)
	return 16 + l, rng, code, ip
}

// decode decodes the current LZMA chunk into d.dict up to end, which is
// within the buffer and the chunk. A match cut at end is left in d.pendLen.
func (d *Reader) decode(end int) error {
	dict := d.dict[:end]
	pos, startPos := d.pos, d.pos
	in, ip, inEnd := d.in, d.ip, d.inEnd
	rng, code := d.rng, d.code
	state := d.state
	rep0, rep1, rep2, rep3 := d.rep0, d.rep1, d.rep2, d.rep3
	probs := &d.probs
	pbMask := uint32(1)<<d.pb - 1
	lpMask := uint32(1)<<d.lp - 1
	lc := d.lc
	var err error

	n := d.pendLen // bytes of the match to copy
	var b uint32
	for {
		if n > 0 {
			src := pos - int(rep0) - 1
			if src < 0 {
				src += len(d.dict)
			}
			k := min(n, end-pos)
			n -= k
			if src >= pos {
				// The source is in the part of the buffer written before
				// the last wrap: up to the buffer's end it lies ahead of
				// pos, where memmove's result is the byte loop's.
				c := min(k, len(d.dict)-src)
				pos += copy(dict[pos:pos+c], d.dict[src:src+c])
				k -= c
				src = 0
			}
			if k <= int(rep0)+1 {
				pos += copy(dict[pos:pos+k], dict[src:src+k])
			} else {
				// The match overlaps its own output.
				for ; k > 0; k-- {
					dict[pos] = dict[src]
					pos++
					src++
				}
			}
		}
		if pos >= end {
			break
		}
		if ip > inEnd {
			err = errCorrupt
			break
		}
		posState := uint32(pos) & pbMask
		b, rng, code = pick(&probs[offIsMatch+state<<4+posState], rng, code)
		rng, code, ip = normalize(rng, code, in, ip)
		if b == 0 {
			var prev uint32
			if pos > 0 {
				prev = uint32(dict[pos-1])
			} else if d.full > 0 {
				prev = uint32(d.dict[len(d.dict)-1])
			}
			lit := probs[offLiteral+0x300*((uint32(pos)&lpMask)<<lc+prev>>(8-lc)):]
			var sym uint32
			if state < 7 {
				sym, rng, code, ip = tree((*treeProbs)(lit), 1<<8, rng, code, in, ip)
				if state < 4 {
					state = 0
				} else {
					state -= 3
				}
			} else {
				src := pos - int(rep0) - 1
				if src < 0 {
					src += len(d.dict)
				}
				mb := uint32(d.dict[src]) << 1
				offset := uint32(0x100)
				sym = 1
				for sym < 0x100 {
					mbit := mb & offset
					mb <<= 1
					b, rng, code = pick(&lit[offset+mbit+sym], rng, code)
					rng, code, ip = normalize(rng, code, in, ip)
					sym = sym<<1 | b
					if b != 0 {
						offset = mbit
					} else {
						offset &^= mbit
					}
				}
				if state < 10 {
					state -= 3
				} else {
					state -= 6
				}
			}
			dict[pos] = byte(sym)
			pos++
			continue
		}
		b, rng, code = pick(&probs[offIsRep+state], rng, code)
		rng, code, ip = normalize(rng, code, in, ip)
		var l uint32
		if b == 0 {
			rep3, rep2, rep1 = rep2, rep1, rep0
			if state < 7 {
				state = 7
			} else {
				state = 10
			}
			l, rng, code, ip = length(probs[offMatchLen:], posState, rng, code, in, ip)
			var slot uint32
			slot, rng, code, ip = tree((*treeProbs)(probs[offDistSlot+min(l, distStates-1)<<6:]), 1<<6, rng, code, in, ip)
			if slot < 4 {
				rep0 = slot
			} else {
				bits := slot>>1 - 1
				rep0 = (2 | slot&1) << bits
				var v uint32
				if slot < endPosModel {
					v, rng, code, ip = reverse((*treeProbs)(probs[offDistSpec+rep0-slot-1:]), bits, rng, code, in, ip)
					rep0 += v
				} else {
					for i := bits - alignBits; i > 0; i-- {
						rng >>= 1
						code -= rng
						t := 0 - code>>31
						code += rng & t
						v = v<<1 | (t + 1)
						if rng < topValue {
							rng <<= 8
							code = code<<8 | uint32(in[ip])
							ip++
						}
					}
					rep0 += v << alignBits
					v, rng, code, ip = reverse((*treeProbs)(probs[offAlign:]), alignBits, rng, code, in, ip)
					rep0 += v
					if rep0 == 0xffffffff {
						err = errEndMarker
						break
					}
				}
			}
		} else {
			b, rng, code = pick(&probs[offIsRepG0+state], rng, code)
			rng, code, ip = normalize(rng, code, in, ip)
			if b == 0 {
				b, rng, code = pick(&probs[offIsRep0Long+state<<4+posState], rng, code)
				rng, code, ip = normalize(rng, code, in, ip)
				if b == 0 {
					if state < 7 {
						state = 9
					} else {
						state = 11
					}
					if int(rep0) >= min(d.full+pos-startPos, d.dictCap) {
						err = ErrDistance
						break
					}
					n = 1
					continue
				}
			} else {
				var dist uint32
				b, rng, code = pick(&probs[offIsRepG1+state], rng, code)
				rng, code, ip = normalize(rng, code, in, ip)
				if b == 0 {
					dist = rep1
				} else {
					b, rng, code = pick(&probs[offIsRepG2+state], rng, code)
					rng, code, ip = normalize(rng, code, in, ip)
					if b == 0 {
						dist = rep2
					} else {
						dist = rep3
						rep3 = rep2
					}
					rep2 = rep1
				}
				rep1 = rep0
				rep0 = dist
			}
			if state < 7 {
				state = 8
			} else {
				state = 11
			}
			l, rng, code, ip = length(probs[offRepLen:], posState, rng, code, in, ip)
		}
		if int(rep0) >= min(d.full+pos-startPos, d.dictCap) {
			err = ErrDistance
			break
		}
		n = int(l) + minMatchLen
	}
	if err == ErrDistance && d.full+pos-startPos < d.dictCap {
		// Farther back than the first byte, not only than the dictionary:
		// corrupt data, whatever the dictionary's size.
		err = errCorrupt
	}
	d.unpacked -= pos - startPos
	d.full = min(d.full+pos-startPos, d.dictCap)
	d.pos, d.pendLen = pos, n
	d.ip, d.rng, d.code = ip, rng, code
	d.state, d.rep0, d.rep1, d.rep2, d.rep3 = state, rep0, rep1, rep2, rep3
	return err
}
