package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteCSV writes one row per cell, in the matrix's order, after the header
// kmod,kernel,installable,missing,crc_mismatch,unknown_symbol,kernel_version,other
// where missing is the count of unmet requirements and the last four split it
// by reason.
func WriteCSV(w io.Writer, m *Matrix) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"kmod", "kernel", "installable", "missing",
		"crc_mismatch", "unknown_symbol", "kernel_version", "other"}); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	for _, c := range m.Cells {
		n := countReasons(c.Missing)
		row := []string{c.Kmod, c.Kernel, strconv.FormatBool(c.Installable),
			strconv.Itoa(len(c.Missing)),
			strconv.Itoa(n.crcMismatch), strconv.Itoa(n.unknownSymbol),
			strconv.Itoa(n.kernelVersion), strconv.Itoa(n.other)}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

type reasonCounts struct {
	crcMismatch, unknownSymbol, kernelVersion, other int
}

func countReasons(missing []Missing) reasonCounts {
	var n reasonCounts
	for _, miss := range missing {
		switch miss.Reason {
		case ReasonCRCMismatch:
			n.crcMismatch++
		case ReasonUnknownSymbol:
			n.unknownSymbol++
		case ReasonKernelVersion:
			n.kernelVersion++
		default:
			n.other++
		}
	}
	return n
}
