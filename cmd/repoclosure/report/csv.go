package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
)

// WriteCSV writes one row per cell, in the matrix's order, after the header
// kmod,kernel,installable,missing,crc_mismatch,unknown_symbol,kernel_version,other,kernel_package_missing,name,name_installable
// where missing is the count of unmet requirements, the five reason columns
// split it, name is the kmod's package name and name_installable says
// whether any build of that name installs on the kernel.
func WriteCSV(w io.Writer, m *Matrix) error {
	if err := m.Validate(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"kmod", "kernel", "installable", "missing",
		"crc_mismatch", "unknown_symbol", "kernel_version", "other",
		"kernel_package_missing", "name", "name_installable"}); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	names := m.Names()
	nameOf := nameIndex(m, names)
	for ci, c := range m.Cells {
		n := countReasons(c.Missing)
		name := names[nameOf[ci/len(m.Kernels)]]
		row := []string{c.Kmod, c.Kernel, strconv.FormatBool(c.Installable),
			strconv.Itoa(len(c.Missing)),
			strconv.Itoa(n.crcMismatch), strconv.Itoa(n.unknownSymbol),
			strconv.Itoa(n.kernelVersion), strconv.Itoa(n.other), strconv.Itoa(n.kernelPackageMissing),
			name.Name, strconv.FormatBool(name.Installable[ci%len(m.Kernels)])}
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
	crcMismatch, unknownSymbol, kernelVersion, other, kernelPackageMissing int
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
		case ReasonKernelPackageMissing:
			n.kernelPackageMissing++
		default:
			n.other++
		}
	}
	return n
}
