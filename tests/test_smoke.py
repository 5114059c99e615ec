from conftest import rows


def test_enroll_prints_id_and_writes_row(lbc, db):
    result = lbc("enroll", "张三丰", "--gender", "M", "--birth", "2015-03-04", "--village", "李家村")
    assert result.code == 0, result.err
    assert result.out.strip() == "1"
    assert rows(db, "SELECT name, gender, birth_date, village FROM children") == [
        ("张三丰", "M", "2015-03-04", "李家村")
    ]
