// pcapflow test oracle: prints what JDK 17 prints, so the TypeScript formatters can be compared to the real thing.
// Usage: java JavaDoubleOracle double|timestamp < input
//   double:    each input line is a 64-bit IEEE-754 bit pattern in hex (e.g. 3ff0000000000000); prints
//              Double.toString of that double (hex keeps every bit, NaN payloads included).
//   timestamp: each input line is a decimal count of microseconds since the epoch (may be negative); prints
//              "<SimpleDateFormat("dd/MM/yyyy hh:mm:ss a", ENGLISH, UTC) of new Date(us / 1000)>\t<Instant.toString
//              of (floorDiv(us, 1e6) s, floorMod(us, 1e6) * 1000 ns)>".
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.TimeZone;

public final class JavaDoubleOracle {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "double";
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII), 1 << 16);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16);
        SimpleDateFormat cic = new SimpleDateFormat("dd/MM/yyyy hh:mm:ss a", Locale.ENGLISH);
        cic.setTimeZone(TimeZone.getTimeZone("UTC"));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.trim();
            if (line.isEmpty()) continue;
            if (mode.equals("double")) {
                out.write(Double.toString(Double.longBitsToDouble(Long.parseUnsignedLong(line, 16))));
            } else if (mode.equals("timestamp")) {
                long us = Long.parseLong(line);
                out.write(cic.format(new Date(us / 1000L)));
                out.write('\t');
                out.write(Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000L).toString());
            } else {
                throw new IllegalArgumentException("unknown mode " + mode);
            }
            out.write('\n');
        }
        out.flush();
    }
}
