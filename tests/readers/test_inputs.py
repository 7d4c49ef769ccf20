"""What a job reads: folders walked safely, special files and members recorded, damage isolated, sizes
bounded. Every case runs on real files through input_files() and iter_units(), as the archive job does."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import socket
import stat
import subprocess
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import pytest

from translator.errors import InputError
from translator.readers import DEFAULT_MAX_DOCUMENT_BYTES, Fields
from translator.readers.walk import input_files, iter_units

OK = "ok"


def outcomes(
    inputs: Sequence[Path], exclude: Sequence[Path] = (), limit: int = DEFAULT_MAX_DOCUMENT_BYTES
) -> list[tuple[str, str]]:
    """(origin, "ok") per document that parses, (origin, reason) per failure; all of it writable as UTF-8."""
    found = []
    for unit in iter_units(input_files(inputs, exclude), Fields(), limit):
        try:
            doc = unit.parse()
        except InputError as exc:
            found.append((unit.origin, str(exc)))
        else:
            json.dumps([doc.id, doc.text, doc.meta], ensure_ascii=False).encode("utf-8")
            found.append((unit.origin, OK))
    json.dumps(found, ensure_ascii=False).encode("utf-8")  # every origin and reason can be written
    return found


def write(path: Path, text: str = "Dia sedang jaga warung.") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "in"
    for name in ("a.txt", "sub/b.txt", "sub.txt", "sub/deep/c.md", "Z.txt", "skip.pdf"):
        write(root / name)
    return root


def test_origins_are_relative_to_the_input_as_named(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_rule = [p.relative_to(tree).as_posix() for p in sorted(tree.rglob("*")) if p.is_file()]
    old_rule.remove("skip.pdf")  # unsupported types in folders are left out
    monkeypatch.chdir(tree)
    assert [f.origin for f in input_files([Path(".")])] == old_rule  # noqa: PTH201 (the `.` a user types)
    assert [f.origin for f in input_files([Path("sub/")])] == ["sub/b.txt", "sub/deep/c.md"]
    assert [f.origin for f in input_files([Path("a.txt"), Path("skip.pdf")])] == ["a.txt", "skip.pdf"]
    assert outcomes([Path("skip.pdf")]) == [("skip.pdf", "unsupported file type .pdf")]
    monkeypatch.chdir(tree / "sub")
    assert [f.origin for f in input_files([Path("..")])] == old_rule
    assert [f.origin for f in input_files([tree])] == [f"in/{o}" for o in old_rule]


def test_the_output_folder_is_never_read(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tree / "run4" / "html" / "000001.html", "<p>Dia sedang jaga warung.</p>")
    write(tree / "run4" / "documents.jsonl", '{"text": "x"}\n')
    (tree / "sub" / "to-out").symlink_to(tree / "run4")
    monkeypatch.chdir(tree)
    files = list(input_files([Path(".")], exclude=[tree / "run4"]))  # noqa: PTH201
    assert not any("run4" in f.origin or "to-out" in f.origin for f in files) and len(files) == 5
    assert outcomes([Path("run4/documents.jsonl"), Path("a.txt")], exclude=[Path("run4")]) == [
        ("documents.jsonl", "inside the job's output folder, so not read as input"),
        ("a.txt", OK),
    ]


def test_links_leading_out_loops_and_broken_links_are_failures(tmp_path: Path) -> None:
    root = write(tmp_path / "in" / "a.txt").parent
    secret = write(tmp_path / "outside" / "secret.txt", "rahasia")
    (root / "link.txt").symlink_to(secret)
    (root / "dirlink").symlink_to(secret.parent)
    (root / "inner.txt").symlink_to(root / "a.txt")
    (root / "loop").symlink_to(root)
    (root / "broken.txt").symlink_to(root / "missing.txt")
    assert outcomes([root]) == [
        ("in/a.txt", OK),
        ("in/broken.txt", "cannot read: No such file or directory"),
        ("in/dirlink", "a link leading outside the input folder"),
        ("in/inner.txt", OK),
        ("in/link.txt", "a link leading outside the input folder"),
        ("in/loop", "a link back to a folder above it (a loop)"),
    ]
    assert outcomes([secret]) == [("secret.txt", OK)]  # a file the user names is theirs to read


def test_folders_of_any_depth_are_walked(tmp_path: Path) -> None:
    deep = write(tmp_path / "in" / "z.txt").parent
    for _ in range(1200):  # deeper than Python's recursion limit (pathlib's mkdir(parents=True) recurses)
        deep = deep / "d"
        deep.mkdir()
    write(deep / "a.txt")
    try:
        assert outcomes([tmp_path / "in"]) == [(f"in/{'d/' * 1200}a.txt", OK), ("in/z.txt", OK)]
    finally:  # shutil.rmtree and pytest's own clean-up of old temp folders recurse, and would fail on it
        subprocess.run(["rm", "-rf", str(tmp_path / "in" / "d")], check=True)


@pytest.fixture
def alarm() -> Iterator[None]:
    def hung(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("reading inputs hung")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_fifos_sockets_and_devices_are_failures_not_hangs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alarm: None
) -> None:
    root = write(tmp_path / "in" / "z.txt").parent
    os.mkfifo(root / "fifo.txt")
    os.mkfifo(tmp_path / "named.jsonl")
    monkeypatch.chdir(root)  # a socket's path must be short
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("sock.txt")
        assert outcomes([root, tmp_path / "named.jsonl", Path("/dev/null")]) == [
            ("in/fifo.txt", "a FIFO, not a regular file"),
            ("in/sock.txt", "a socket, not a regular file"),
            ("in/z.txt", OK),
            ("named.jsonl", "a FIFO, not a regular file"),
            ("null", "a device, not a regular file"),
        ]


def test_a_fifo_put_in_a_listed_file_place_does_not_block(tmp_path: Path, alarm: None) -> None:
    path = write(tmp_path / "a.txt")
    files = list(input_files([path]))
    path.unlink()
    os.mkfifo(path)
    assert outcomes([]) == [] and [u.origin for u in iter_units(files, Fields())] == ["a.txt"]
    with pytest.raises(InputError, match="a FIFO"):
        next(iter_units(files, Fields())).parse()


def test_undecodable_file_and_member_names_are_escaped_visibly(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Dia sedang jaga warung.")
    data = b"Dia sedang jaga warung."
    with tarfile.open(root / "t.tar", "w", format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(os.fsdecode(b"na\xefve.txt"))
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    assert outcomes([root]) == [("in/caf\\xe9.txt", OK), ("in/t.tar!na\\xefve.txt", OK)]


def test_jsonl_records_are_isolated(tmp_path: Path) -> None:
    lines = [
        '{"id": "good-1", "text": "Dia sedang jaga warung."}',
        '{"id": "x", "text": "Dia \\ud800 jaga warung."}',
        '{"id": "\\udfff", "text": "Dia sedang jaga warung."}',
        '{"title": "Judul \\ud83d", "text": "Dia sedang jaga warung."}',
        '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"text": "' + "panjang " * 50_000 + '"}',
        "",
        '{"id": "good-2", "text": "Dia sedang jaga warung."}',
        '{"id": 17, "text": "Dia sedang jaga warung."}',
        '{"id": {"a": 1}, "text": "Dia sedang jaga warung."}',
        '{"id": true, "text": "Dia sedang jaga warung."}',
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    assert outcomes([path], limit=300_000) == [
        ("feed.jsonl#L1", OK),
        ("feed.jsonl#L2", "field 'text' holds an unpaired surrogate (character 4)"),
        ("feed.jsonl#L3", "field 'id' holds an unpaired surrogate (character 0)"),
        ("feed.jsonl#L4", "field 'title' holds an unpaired surrogate (character 6)"),
        ("feed.jsonl#L5", "line is JSON nested too deeply to read"),
        ("feed.jsonl#L6", "line over the 300,000-byte document limit"),
        ("feed.jsonl#L8", OK),
        ("feed.jsonl#L9", OK),
        ("feed.jsonl#L10", "field 'id' is neither text nor a whole number"),
        ("feed.jsonl#L11", "field 'id' is neither text nor a whole number"),
    ]
    assert [u.parse().id for u in iter_units(input_files([path]), Fields()) if u.origin.endswith(("L8", "L9"))] == [
        "good-2",
        "17",
    ]
    units = list(iter_units(input_files([path]), Fields(), 300_000))
    assert [u.read for u in units] == sorted(u.read for u in units) and units[-1].read == path.stat().st_size


def test_documents_over_the_limit_are_refused_unread(tmp_path: Path) -> None:
    root = tmp_path / "in"
    write(root / "a-exact.txt", "k" * 1000)
    write(root / "b-over.txt", "k" * 1001)
    write(root / "c.csv", "id,text\nr1,Dia.\nr2," + "k" * 1200 + "\nr3,Dia.\n")
    write(root / "d.csv", 'id,text\nr1,"' + "k\n" * 600 + '"\n')
    assert outcomes([root], limit=1000) == [
        ("in/a-exact.txt", OK),
        ("in/b-over.txt", "over the 1,000-byte document limit"),
        ("in/c.csv#R1", OK),
        ("in/c.csv#R2", "row is not CSV: a line over the 1,000-byte document limit"),
        ("in/c.csv#R3", OK),
        ("in/d.csv#R1", "over the 1,000-byte document limit; rows from there on are not read"),
    ]
    assert outcomes([root / "b-over.txt"]) == [("b-over.txt", OK)]  # the default limit is 10 MB


def test_a_row_that_is_not_csv_fails_alone(tmp_path: Path) -> None:
    write(tmp_path / "stray.csv", 'id,text\n1,a"b"c\n2,"x"y\n3,Dia.\n4,"unclosed\n5,Dia.\n')
    assert outcomes([tmp_path / "stray.csv"]) == [
        ("stray.csv#R1", OK),
        ("stray.csv#R2", "row is not CSV: ',' expected after '\"'"),
        ("stray.csv#R3", OK),
        ("stray.csv#R4", "row is not CSV: unexpected end of data"),  # the open quote took the rest: said, not hidden
    ]


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("bomb.txt", "w") as member:
            for _ in range(64):
                member.write(bytes(1 << 20))
        z.writestr("after.txt", "Dia sedang jaga warung.")
    assert path.stat().st_size < 200_000
    assert outcomes([path], limit=1_000_000) == [
        ("bomb.zip!bomb.txt", "over the 1 MB document limit"),
        ("bomb.zip!after.txt", OK),
    ]


def patch_zip(path: Path, name: str, flags: int | None = None, method: int | None = None) -> None:
    """Set a member's flag bits or compression method in both its headers (zipfile writes neither)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        local = z.getinfo(name).header_offset
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    for offset, value in ((6, flags), (8, method)):
        if value is not None:
            data[local + offset : local + offset + 2] = value.to_bytes(2, "little")
            data[central + offset + 2 : central + offset + 4] = value.to_bytes(2, "little")
    path.write_bytes(bytes(data))


def test_zip_special_encrypted_and_corrupt_members_are_failures(tmp_path: Path) -> None:
    path = tmp_path / "f.zip"
    text = " ".join(f"Kalimat nomor {i} tentang warung dan pasar." for i in range(300))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("1.txt", "Dia sedang jaga warung.")
        link = zipfile.ZipInfo("2-link.txt")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/hostname")
        z.writestr("3-secret.txt", "Dia sedang jaga warung.")
        z.writestr("4-aes.txt", "Dia sedang jaga warung.")
        z.writestr("5-broken.txt", text)
        z.writestr("6.txt", "Dia sedang jaga warung.")
    patch_zip(path, "3-secret.txt", flags=0x1)
    patch_zip(path, "4-aes.txt", method=99)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("5-broken.txt")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data[start : start + 16] = b"\xa5" * 16
    path.write_bytes(bytes(data))
    found = outcomes([path])
    assert found[:4] == [
        ("f.zip!1.txt", OK),
        ("f.zip!2-link.txt", "a symbolic link in the archive, not a file"),
        ("f.zip!3-secret.txt", "an encrypted member (it needs a password)"),
        ("f.zip!4-aes.txt", "compression method 99 is not supported"),
    ]
    assert found[4][0] == "f.zip!5-broken.txt" and found[4][1].startswith("cannot read: ")
    assert found[5:] == [("f.zip!6.txt", OK)]


def add(tar: tarfile.TarFile, name: str, data: bytes = b"Dia sedang jaga warung.", **kind: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data) if not kind else 0
    for key, value in kind.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if not kind else None)


def test_tar_links_devices_and_fifos_are_failures(tmp_path: Path) -> None:
    path = tmp_path / "k.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        add(tar, "1.txt")
        add(tar, "2.txt", type=tarfile.SYMTYPE, linkname="/etc/hostname")
        add(tar, "3.txt", type=tarfile.LNKTYPE, linkname="1.txt")
        add(tar, "4.txt", type=tarfile.FIFOTYPE)
        add(tar, "5.txt", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        add(tar, "dir", type=tarfile.DIRTYPE)
        add(tar, "6.txt", b"k" * 5_000_000)
        add(tar, "7.txt")
    assert outcomes([path], limit=1_000_000) == [
        ("k.tar.gz!1.txt", OK),
        ("k.tar.gz!2.txt", "a symbolic link in the archive, not a file"),
        ("k.tar.gz!3.txt", "a hard link in the archive, not a file"),
        ("k.tar.gz!4.txt", "a FIFO in the archive, not a file"),
        ("k.tar.gz!5.txt", "a device in the archive, not a file"),
        ("k.tar.gz!6.txt", "over the 1 MB document limit"),
        ("k.tar.gz!7.txt", OK),
    ]
    units = list(iter_units(input_files([path]), Fields(), 1_000_000))
    assert 0 < units[0].read <= units[-1].read <= path.stat().st_size


def twenty_documents(path: Path, mode: str) -> None:
    with tarfile.open(path, mode) as tar:  # type: ignore[call-overload]
        for i in range(20):
            text = " ".join(f"Berita {i} kalimat {j} tentang harga cabai di pasar {i * j}." for j in range(200))
            add(tar, f"doc-{i:02d}.txt", text.encode())


def damaged(path: Path) -> list[tuple[str, str]]:
    """A damaged archive's outcome: documents before the damage in order, then one failure, none lost."""
    found = outcomes([path])
    good = [origin for origin, outcome in found if outcome == OK]
    assert good == [f"{path.name}!doc-{i:02d}.txt" for i in range(len(good))]
    assert found[len(good) :] == [(path.name, found[-1][1])]
    assert found[-1][1].startswith("the archive is damaged at byte ")
    assert outcomes([path]) == found  # the same every run: resume relies on it
    return found


def test_a_damaged_tar_gz_keeps_what_came_before_and_records_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "news.tar.gz"
    twenty_documents(path, "w:gz")
    assert outcomes([path]) == [(f"news.tar.gz!doc-{i:02d}.txt", OK) for i in range(20)]
    data = path.read_bytes()
    middle = len(data) // 2
    (tmp_path / "mid.tar.gz").write_bytes(data[:middle] + b"\x00" * 64 + data[middle + 64 :])
    assert len(damaged(tmp_path / "mid.tar.gz")) < 20
    (tmp_path / "cut.tar.gz").write_bytes(data[: len(data) - 100])
    assert "ended before" in damaged(tmp_path / "cut.tar.gz")[-1][1]
    crc = bytearray(data)
    crc[-8] ^= 0xFF  # the gzip trailer's CRC, checked only at the very end
    (tmp_path / "crc.tar.gz").write_bytes(bytes(crc))
    found = damaged(tmp_path / "crc.tar.gz")
    assert len(found) == 21 and "CRC check failed" in found[-1][1]


def test_a_bad_header_in_a_plain_tar_is_damage_not_the_end(tmp_path: Path) -> None:
    path = tmp_path / "news.tar"
    twenty_documents(path, "w")
    data = bytearray(path.read_bytes())
    with tarfile.open(path) as tar:
        ninth = tar.getmember("doc-09.txt").offset
    data[ninth + 148 : ninth + 156] = b"garbage!"  # its header checksum
    path.write_bytes(bytes(data))
    found = damaged(path)
    assert len(found) == 10 and found[-1][1].startswith(f"the archive is damaged at byte {ninth} ")
    gzipped = tmp_path / "junk.tar.gz"
    twenty_documents(tmp_path / "clean.tar", "w")
    gzipped.write_bytes(gzip.compress((tmp_path / "clean.tar").read_bytes() + b"not zeros"))
    assert outcomes([gzipped])[-1][1].startswith("the archive is damaged at byte ")


def test_a_page_of_navigation_only_is_not_an_article(tmp_path: Path) -> None:
    write(tmp_path / "nav.html", "<nav><a>Beranda</a><a>Politik</a></nav>")
    write(tmp_path / "short.html", "<html><body><nav><a href='/'>Beranda</a></nav><p>Dia sedang jaga warung.</p>")
    assert outcomes([tmp_path / "nav.html", tmp_path / "short.html"]) == [
        ("nav.html", "no article text found in the page"),
        ("short.html", OK),
    ]
    [unit] = iter_units(input_files([tmp_path / "short.html"]), Fields())
    assert unit.parse().text == "Dia sedang jaga warung."


@pytest.mark.parametrize("mode", ["w", "w:gz"])
def test_tables_in_a_tar_are_read(tmp_path: Path, mode: str) -> None:
    """A CSV or TSV member of a tar (read as a stream, once) is read row by row as a file of its own is; it
    crashed the whole run (CPython's stream-mode tar member asks a stream that cannot say whether it seeks)."""
    path = tmp_path / ("t.tar.gz" if mode.endswith("gz") else "t.tar")
    with tarfile.open(path, mode) as tar:  # type: ignore[call-overload]
        add(tar, "a.csv", b"id,text\n1,Dia sedang jaga warung.\n")
        add(tar, "b.tsv", b"\xef\xbb\xbfid\ttext\n2\tHarga naik.\n")
        add(tar, "c.txt")
    assert outcomes([path]) == [
        (f"{path.name}!a.csv#R1", OK),
        (f"{path.name}!b.tsv#R1", OK),
        (f"{path.name}!c.txt", OK),
    ]
