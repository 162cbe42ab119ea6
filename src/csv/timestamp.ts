// Timestamp column formats of the cicflowmeter profile: CICFlowMeter-4.0's `dd/MM/yyyy hh:mm:ss a` and the
// maintained fork's ISO-like UTC form. Owns only the µs -> text conversion, always in UTC with English AM/PM.
// Pure: no I/O, no Date objects, no time-zone or locale lookups.

const US_PER_S = 1_000_000;
const S_PER_DAY = 86_400;

// Scratch output of civilFromDays (avoids an object per call).
let civYear = 0;
let civMonth = 0;
let civDay = 0;

/** Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's civil_from_days), into civ*. */
function civilFromDays(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  civDay = doy - Math.floor((153 * mp + 2) / 5) + 1;
  civMonth = mp < 10 ? mp + 3 : mp - 9;
  civYear = yoe + era * 400 + (civMonth <= 2 ? 1 : 0);
}

function pad2(n: number): string {
  return n < 10 ? '0' + String(n) : String(n);
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : '0'.repeat(width - s.length) + s;
}

/** Splits whole epoch seconds into civ* (date) and returns the second of the day. */
function splitSeconds(sec: number): number {
  const days = Math.floor(sec / S_PER_DAY);
  civilFromDays(days);
  return sec - days * S_PER_DAY;
}

/**
 * CICFlowMeter-4.0 Timestamp: `dd/MM/yyyy hh:mm:ss a` in UTC with English AM/PM (12-hour clock: 00:xx is
 * `12:xx AM`, 12:xx is `12:xx PM`), e.g. `14/11/2023 10:13:20 PM` for 1700000000.2 s.
 * Input: integer µs since the epoch (may be negative). As CICFlowMeter does, µs become ms by Java long division
 * (towards zero: `tsUs / 1000L`), and the date formatter then takes the second that contains that ms (floor).
 * Dates are proleptic Gregorian; Java's SimpleDateFormat switches to the Julian calendar before 1582-10-15, so
 * output is Java-identical for years 1583..9999 only (pcapflow's µs clock covers 1970 ± 285 years anyway).
 */
export function formatCicTimestamp(tsUs: number): string {
  const ms = (tsUs - (tsUs % 1000)) / 1000; // exact truncating division (a float divide could round across an integer)
  const msRem = ms % 1000;
  let sec = (ms - msRem) / 1000;
  if (msRem < 0) sec -= 1;
  const secOfDay = splitSeconds(sec);
  const hour = Math.floor(secOfDay / 3600);
  const minute = Math.floor((secOfDay % 3600) / 60);
  const second = secOfDay % 60;
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return (
    pad2(civDay) + '/' + pad2(civMonth) + '/' + pad(civYear, 4) + ' ' +
    pad2(h12) + ':' + pad2(minute) + ':' + pad2(second) + (hour < 12 ? ' AM' : ' PM')
  );
}

/**
 * The maintained fork's Timestamp: Java `Instant.toString()` without the `T` and `Z`, i.e. UTC
 * `yyyy-MM-dd HH:mm:ss`, then `.SSS` when the sub-second part is a whole number of ms, `.SSSSSS` when it is not,
 * nothing when it is zero (Instant prints 3, 6 or 9 digits; µs input never needs 9). E.g. 1700000000.2 s ->
 * `2023-11-14 22:13:20.200`, 1700000000.0001 s -> `2023-11-14 22:13:20.000100`.
 * Input: integer µs since the epoch (may be negative; the fraction is taken with floor, as Instant does).
 * Years above 9999 get a leading '+', negative years a '-' (Instant's ISO rule).
 */
export function formatIsoTimestamp(tsUs: number): string {
  let fracUs = tsUs % US_PER_S;
  if (fracUs < 0) fracUs += US_PER_S;
  const sec = (tsUs - fracUs) / US_PER_S;
  const secOfDay = splitSeconds(sec);
  const hour = Math.floor(secOfDay / 3600);
  const minute = Math.floor((secOfDay % 3600) / 60);
  const second = secOfDay % 60;
  const year =
    civYear > 9999 ? '+' + String(civYear) : civYear < 0 ? '-' + pad(-civYear, 4) : pad(civYear, 4);
  let out = year + '-' + pad2(civMonth) + '-' + pad2(civDay) + ' ' + pad2(hour) + ':' + pad2(minute) + ':' + pad2(second);
  if (fracUs !== 0) out += fracUs % 1000 === 0 ? '.' + pad(fracUs / 1000, 3) : '.' + pad(fracUs, 6);
  return out;
}
