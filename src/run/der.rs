//! The two facts the TLS preflight shows of a certificate, its subject and
//! its expiry, read from DER by hand: a full X.509 parser cost every build
//! about 35 s for these two display fields (issue 24). Only what leads to
//! them is read; anything else in the certificate is skipped unread.

use std::fmt::Write as _;

/// The subject, as `CN=name, O=org` (RDNs joined by `, `, the attributes
/// of one RDN by ` + `), and the expiry in seconds since the Unix epoch,
/// of a DER certificate; `None` when it is not one.
pub(crate) fn subject_and_not_after(der: &[u8]) -> Option<(String, i64)> {
    let (certificate, _) = read(der, SEQUENCE)?;
    let (tbs, _) = read(certificate, SEQUENCE)?;
    let rest = skip_if(tbs, VERSION)?;
    let rest = skip(rest, INTEGER)?; // serialNumber
    let rest = skip(rest, SEQUENCE)?; // signature algorithm
    let rest = skip(rest, SEQUENCE)?; // issuer
    let (validity, rest) = read(rest, SEQUENCE)?;
    let (subject, _) = read(rest, SEQUENCE)?;
    let not_after = {
        let (_, _, after) = any(validity)?; // notBefore
        let (tag, time, _) = any(after)?;
        time_to_unix(tag, time)?
    };
    Some((name_to_string(subject)?, not_after))
}

const INTEGER: u8 = 0x02;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;
const BMP_STRING: u8 = 0x1e;
/// `[0] EXPLICIT Version`, absent from v1 certificates.
const VERSION: u8 = 0xa0;

/// Tags of the string types shown as they are (x509-parser's choice).
const TEXT_TAGS: &[u8] = &[
    0x0c, // UTF8String
    0x12, // NumericString
    0x13, // PrintableString
    0x14, // T61String
    0x15, // VideotexString
    0x16, // IA5String
    0x19, // GraphicString
    0x1a, // VisibleString
    0x1b, // GeneralString
    0x07, // ObjectDescriptor
];

/// Short names of the attribute types (as OpenSSL and x509-parser print
/// them); any other is shown as `OID(1.2.3)`.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("1.2.840.113549.1.9.1", "Email"),
    ("2.5.4.4", "surname"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.9", "streetAddress"),
    ("2.5.4.12", "title"),
    ("2.5.4.13", "description"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.41", "name"),
    ("2.5.4.42", "givenName"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.45", "uniqueIdentifier"),
    ("2.5.4.46", "dnQualifier"),
    ("0.9.2342.19200300.100.1.1", "uid"),
    ("1.2.840.113549.1.9.2", "unstructuredName"),
];

/// One element of `input`: its tag, its content, and what follows it.
/// Only single-byte tags and definite lengths (DER's) are read.
fn any(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes.iter().fold(0usize, |n, b| (n << 8) | usize::from(*b));
        (len, rest)
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The content of an element tagged `tag`, and what follows it.
fn read(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (found, content, rest) = any(input)?;
    (found == tag).then_some((content, rest))
}

/// What follows an element tagged `tag`.
fn skip(input: &[u8], tag: u8) -> Option<&[u8]> {
    read(input, tag).map(|(_, rest)| rest)
}

/// What follows an optional element tagged `tag`, or `input` without one.
fn skip_if(input: &[u8], tag: u8) -> Option<&[u8]> {
    match input.first() {
        Some(&first) if first == tag => skip(input, tag),
        _ => Some(input),
    }
}

/// A Name (a SEQUENCE of SETs of type-and-value pairs) as text.
fn name_to_string(mut rdns: &[u8]) -> Option<String> {
    let mut parts = Vec::new();
    while !rdns.is_empty() {
        let (mut set, rest) = read(rdns, SET)?;
        rdns = rest;
        let mut attributes = Vec::new();
        while !set.is_empty() {
            let (pair, rest) = read(set, SEQUENCE)?;
            set = rest;
            let (oid, value) = read(pair, OID)?;
            let (tag, content, _) = any(value)?;
            attributes.push(format!(
                "{}={}",
                attribute_name(oid)?,
                value_text(tag, content)?
            ));
        }
        parts.push(attributes.join(" + "));
    }
    Some(parts.join(", "))
}

/// The short name of an attribute type, or `OID(dotted)`.
fn attribute_name(oid: &[u8]) -> Option<String> {
    let dotted = oid_to_dotted(oid)?;
    Some(
        ATTRIBUTE_NAMES
            .iter()
            .find(|(o, _)| *o == dotted)
            .map_or_else(|| format!("OID({dotted})"), |(_, n)| (*n).to_string()),
    )
}

/// An attribute value: strings as they are, BMPString decoded, anything
/// else as upper-case hex of its content.
fn value_text(tag: u8, content: &[u8]) -> Option<String> {
    if TEXT_TAGS.contains(&tag) {
        return std::str::from_utf8(content).ok().map(str::to_string);
    }
    if tag == BMP_STRING {
        if !content.len().is_multiple_of(2) {
            return None;
        }
        let units: Vec<u16> = content
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&units).ok();
    }
    Some(content.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    }))
}

/// An OBJECT IDENTIFIER's content in dotted form.
fn oid_to_dotted(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for (i, byte) in content.iter().enumerate() {
        value = value.checked_mul(128)? | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        } else if i + 1 == content.len() {
            return None;
        }
    }
    if arcs.is_empty() {
        return None;
    }
    Some(
        arcs.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A UTCTime (`YYMMDDHHMMSSZ`, years 50-99 in the 1900s) or a
/// GeneralizedTime (`YYYYMMDDHHMMSSZ`, fractions of a second dropped) in
/// seconds since the Unix epoch.
fn time_to_unix(tag: u8, content: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(content).ok()?;
    let text = text.strip_suffix('Z')?;
    let (year, rest) = match tag {
        UTC_TIME => {
            let yy: i64 = digits(text.get(..2)?)?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &text[2..])
        }
        GENERALIZED_TIME => (digits(text.get(..4)?)?, &text[4..]),
        _ => return None,
    };
    let rest = rest.split('.').next()?;
    if rest.len() != 10 {
        return None;
    }
    let field = |i: usize| digits(&rest[i..i + 2]);
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

fn digits(text: &str) -> Option<i64> {
    text.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse().ok())
        .flatten()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element of `tag` around `content`.
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(u8::try_from(len).unwrap());
        } else {
            let bytes: Vec<u8> = len
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | u8::try_from(bytes.len()).unwrap());
            out.extend(bytes);
        }
        out.extend_from_slice(content);
        out
    }

    fn attribute(oid: &[u8], tag: u8, value: &[u8]) -> Vec<u8> {
        tlv(SEQUENCE, &[tlv(OID, oid), tlv(tag, value)].concat())
    }

    const CN: &[u8] = &[0x55, 0x04, 0x03];
    const O: &[u8] = &[0x55, 0x04, 0x0a];

    /// A certificate whose fields before the subject are as real ones.
    fn certificate(version: bool, subject: &[u8], not_after: (u8, &[u8])) -> Vec<u8> {
        let mut tbs = Vec::new();
        if version {
            tbs.extend(tlv(VERSION, &tlv(INTEGER, &[2])));
        }
        tbs.extend(tlv(INTEGER, &[0x01, 0x02]));
        tbs.extend(tlv(SEQUENCE, &tlv(OID, &[0x2b, 0x65, 0x70])));
        tbs.extend(tlv(SEQUENCE, &[]));
        let validity = [
            tlv(UTC_TIME, b"200101000000Z"),
            tlv(not_after.0, not_after.1),
        ];
        tbs.extend(tlv(SEQUENCE, &validity.concat()));
        tbs.extend(tlv(SEQUENCE, subject));
        tbs.extend(tlv(SEQUENCE, &[0; 200])); // a key long enough for a long length
        tlv(
            SEQUENCE,
            &[tlv(SEQUENCE, &tbs), tlv(SEQUENCE, &[]), tlv(0x03, &[0])].concat(),
        )
    }

    #[test]
    fn reads_subject_and_expiry_of_a_v3_certificate() {
        let subject = [
            tlv(SET, &attribute(O, 0x13, b"Wapzi")),
            tlv(SET, &attribute(CN, 0x0c, "sandbox é".as_bytes())),
        ]
        .concat();
        let der = certificate(true, &subject, (UTC_TIME, b"491231235959Z"));
        assert_eq!(
            subject_and_not_after(&der),
            Some(("O=Wapzi, CN=sandbox é".to_string(), 2_524_607_999))
        );
    }

    #[test]
    fn reads_a_v1_certificate_and_a_generalized_time() {
        let subject = tlv(SET, &attribute(CN, 0x13, b"localhost"));
        let der = certificate(false, &subject, (GENERALIZED_TIME, b"20500101000000.5Z"));
        assert_eq!(
            subject_and_not_after(&der),
            Some(("CN=localhost".to_string(), 2_524_608_000))
        );
    }

    #[test]
    fn shows_multi_valued_rdns_unknown_types_bmp_and_binary_values() {
        let set = [
            attribute(CN, BMP_STRING, &[0, b'h', 0, b'i']),
            attribute(&[0x2a, 0x03, 0x81, 0x00], 0x04, &[0xab, 0x01]),
        ]
        .concat();
        let der = certificate(true, &tlv(SET, &set), (UTC_TIME, b"700101000000Z"));
        assert_eq!(
            subject_and_not_after(&der),
            Some(("CN=hi + OID(1.2.3.128)=AB01".to_string(), 0))
        );
    }

    #[test]
    fn utc_times_before_50_are_in_the_2000s() {
        assert_eq!(time_to_unix(UTC_TIME, b"500101000000Z"), Some(-631_152_000));
        assert_eq!(time_to_unix(UTC_TIME, b"000229120000Z"), Some(951_825_600));
    }

    #[test]
    fn anything_else_is_not_a_certificate() {
        let subject = tlv(SET, &attribute(CN, 0x13, b"x"));
        let good = certificate(true, &subject, (UTC_TIME, b"300101000000Z"));
        assert!(subject_and_not_after(&good).is_some());
        // Every truncation, a wrong outer tag, a long-form tag, a bad time.
        for len in 0..good.len() {
            assert_eq!(subject_and_not_after(&good[..len]), None, "{len}");
        }
        let mut wrong = good.clone();
        wrong[0] = SET;
        assert_eq!(subject_and_not_after(&wrong), None);
        assert_eq!(any(&[0x1f, 0x01, 0x00]), None);
        assert_eq!(any(&[0x30, 0x80]), None);
        assert_eq!(time_to_unix(UTC_TIME, b"301301000000Z"), None);
        assert_eq!(time_to_unix(UTC_TIME, b"3001010000Z"), None);
        assert_eq!(time_to_unix(0x04, b"300101000000Z"), None);
        assert_eq!(oid_to_dotted(&[0x81]), None);
        assert_eq!(value_text(BMP_STRING, &[0]), None);
    }
}
