package org.infrakit4j.cli;

import java.io.PrintWriter;
import java.util.List;

/** Columns as InfraKit's CLI prints them: each but the last padded to 30, separated by a tab. */
final class Table {
    private Table() {
    }

    static void print(PrintWriter out, List<String> header, List<String[]> rows) {
        if (header != null) {
            line(out, header.toArray(new String[0]));
        }
        rows.forEach(r -> line(out, r));
    }

    private static void line(PrintWriter out, String[] cells) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i == cells.length - 1) {
                b.append(cells[i]);
            } else {
                b.append(String.format("%-30s\t", cells[i]));
            }
        }
        out.println(b);
    }
}
