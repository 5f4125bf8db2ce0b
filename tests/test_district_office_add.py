"""`xxgk district office add KEY`: a KEY that cannot name an office (Chinese, dotted, upper-case …) is
refused up front, saying which characters a KEY may use, and the district file is left as it was —
not appended to and then reported as "不是有效的 TOML"."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.commands import main
from pipeline.district.config import load_district

DISTRICT = '[district]\nname = "昌邑区"\n\n[offices.ljz]\nname = "两家子满族乡人民政府"\nfigures = "ljz"\n'


@pytest.fixture
def district(tmp_path):
    path = tmp_path / "district.toml"
    path.write_text(DISTRICT, encoding="utf-8")
    (tmp_path / "djz").mkdir()
    return path


def add(district, *args: str):
    return CliRunner().invoke(main, ["district", "--district", str(district), "office", "add", *args])


@pytest.mark.parametrize("key", ["兴华", "xh.j", "Xhj", "_xhj", "x" * 41, "x h"])
def test_a_key_that_cannot_name_an_office_is_refused_before_the_file_is_touched(district, key):
    result = add(district, key, "--figures", "djz", "--name", "东局子街道办事处")
    assert result.exit_code == 2, result.output
    assert "小写英文字母 a-z、数字、- 和 _" in result.output and "文件夹名" in result.output
    assert "不是有效的 TOML" not in result.output and "Traceback" not in result.output
    assert district.read_text(encoding="utf-8") == DISTRICT


def test_a_good_key_is_added(district):
    result = add(district, "djz", "--figures", "djz", "--name", "东局子街道办事处")
    assert result.exit_code == 0, result.output
    assert [o.key for o in load_district(district).offices] == ["ljz", "djz"]


def test_a_figures_folder_that_is_not_there_is_said_at_once(district, tmp_path, monkeypatch):
    """A typo in --figures went unnoticed until January's roll-up listed the office as 未报送."""
    monkeypatch.chdir(tmp_path)
    typo = add(district, "dz", "--figures", "dzj", "--name", "东局子街道办事处")
    assert typo.exit_code == 0 and f"注意：文件夹 {tmp_path / 'dzj'} 还不存在" in typo.output, typo.output
    there = add(district, "djz", "--figures", "djz", "--name", "东局子街道办事处")
    assert there.exit_code == 0 and "注意" not in there.output
