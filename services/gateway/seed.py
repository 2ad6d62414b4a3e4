"""Reference data seeded at first start. An admin edits it afterwards; it is data, not code.

Wards: Gò Vấp had 16 wards in 2022 (Phường 1 and 3–17), 12 from 1 January 2025
(Phường 4, 7, 9 and 13 merged into neighbours), and since 1 July 2025 six wards.
Successor links whose exact split is not recorded here are left for an admin to add.
"""

from __future__ import annotations

from datetime import date

from shared.contracts.events.reference import SchoolLevel

SET_2022 = "2022"
SET_2025 = "2025-01"
SET_CURRENT = "2025-07"

_WARDS_2022 = (1, *range(3, 18))
_WARDS_2025 = (1, 3, 5, 6, 8, 10, 11, 12, 14, 15, 16, 17)
# The 2025 reform: each new ward and the 2025 wards it was formed from.
_WARDS_2025_07: dict[str, tuple[str, tuple[int, ...]]] = {
    "hanh-thong": ("Phường Hạnh Thông", (1, 3)),
    "an-nhon": ("Phường An Nhơn", (5, 6)),
    "go-vap": ("Phường Gò Vấp", (10, 17)),
    "an-hoi-dong": ("Phường An Hội Đông", (15, 16)),
    "thong-tay-hoi": ("Phường Thông Tây Hội", (8, 11)),
    "an-hoi-tay": ("Phường An Hội Tây", (12, 14)),
}


def ward_code_2022(number: int) -> str:
    return f"govap-2022-p{number}"


def ward_code_2025(number: int) -> str:
    return f"govap-2025-p{number}"


def wards() -> list[dict[str, object]]:
    seeded: list[dict[str, object]] = []
    for n in _WARDS_2022:
        seeded.append(
            {
                "code": ward_code_2022(n),
                "name": f"Phường {n}",
                "valid_from": date(2022, 1, 1),
                "valid_to": date(2024, 12, 31),
                "predecessors": [],
                "ward_set": SET_2022,
            }
        )
    for n in _WARDS_2025:
        seeded.append(
            {
                "code": ward_code_2025(n),
                "name": f"Phường {n}",
                "valid_from": date(2025, 1, 1),
                "valid_to": date(2025, 6, 30),
                "predecessors": [ward_code_2022(n)],
                "ward_set": SET_2025,
            }
        )
    for code, (name, formed_from) in _WARDS_2025_07.items():
        seeded.append(
            {
                "code": code,
                "name": name,
                "valid_from": date(2025, 7, 1),
                "valid_to": None,
                "predecessors": [ward_code_2025(n) for n in formed_from],
                "ward_set": SET_CURRENT,
            }
        )
    return seeded


SECTORS: list[dict[str, str]] = [
    {
        "code": "agriculture",
        "name_vi": "Nông nghiệp công nghệ cao",
        "name_en": "High-tech agriculture",
    },
    {"code": "food", "name_vi": "Thực phẩm và đồ uống", "name_en": "Food and beverage"},
    {"code": "education", "name_vi": "Giáo dục", "name_en": "Education"},
    {"code": "health", "name_vi": "Y tế và chăm sóc sức khoẻ", "name_en": "Health and care"},
    {"code": "fintech", "name_vi": "Công nghệ tài chính", "name_en": "Financial technology"},
    {"code": "ecommerce", "name_vi": "Thương mại điện tử", "name_en": "E-commerce"},
    {
        "code": "software",
        "name_vi": "Phần mềm và dịch vụ số",
        "name_en": "Software and digital services",
    },
    {"code": "manufacturing", "name_vi": "Sản xuất và cơ khí", "name_en": "Manufacturing"},
    {
        "code": "energy",
        "name_vi": "Năng lượng và tiết kiệm năng lượng",
        "name_en": "Energy and efficiency",
    },
    {
        "code": "environment",
        "name_vi": "Môi trường và tái chế",
        "name_en": "Environment and recycling",
    },
    {"code": "tourism", "name_vi": "Du lịch và dịch vụ", "name_en": "Tourism and services"},
    {
        "code": "creative",
        "name_vi": "Công nghiệp văn hoá sáng tạo",
        "name_en": "Creative industries",
    },
    {"code": "logistics", "name_vi": "Vận tải và logistics", "name_en": "Transport and logistics"},
    {"code": "retail", "name_vi": "Bán lẻ và tiêu dùng", "name_en": "Retail and consumer goods"},
    {"code": "other", "name_vi": "Lĩnh vực khác", "name_en": "Other"},
]

# A starter list to exercise the club-coverage figure; the Education Division keeps it true.
_P, _L, _U = SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY, SchoolLevel.UPPER_SECONDARY
SCHOOLS: list[tuple[str, str, SchoolLevel, str]] = [
    ("th-kim-dong", "Trường Tiểu học Kim Đồng", _P, "hanh-thong"),
    ("th-le-quy-don", "Trường Tiểu học Lê Quý Đôn", _P, "an-nhon"),
    ("th-nguyen-viet-xuan", "Trường Tiểu học Nguyễn Viết Xuân", _P, "go-vap"),
    ("th-hanh-thong", "Trường Tiểu học Hanh Thông", _P, "hanh-thong"),
    ("th-vo-thi-sau", "Trường Tiểu học Võ Thị Sáu", _P, "thong-tay-hoi"),
    ("th-phan-chu-trinh", "Trường Tiểu học Phan Chu Trinh", _P, "an-hoi-tay"),
    ("th-an-hoi", "Trường Tiểu học An Hội", _P, "an-hoi-dong"),
    ("th-le-duc-tho", "Trường Tiểu học Lê Đức Thọ", _P, "an-hoi-tay"),
    ("thcs-nguyen-du", "Trường THCS Nguyễn Du", _L, "hanh-thong"),
    ("thcs-phan-tay-ho", "Trường THCS Phan Tây Hồ", _L, "an-nhon"),
    ("thcs-go-vap", "Trường THCS Gò Vấp", _L, "go-vap"),
    ("thcs-ly-tu-trong", "Trường THCS Lý Tự Trọng", _L, "thong-tay-hoi"),
    ("thcs-nguyen-van-troi", "Trường THCS Nguyễn Văn Trỗi", _L, "an-hoi-dong"),
    ("thcs-pham-van-chieu", "Trường THCS Phạm Văn Chiêu", _L, "an-hoi-tay"),
    ("thcs-quang-trung", "Trường THCS Quang Trung", _L, "go-vap"),
    ("thcs-truong-son", "Trường THCS Trường Sơn", _L, "an-hoi-dong"),
    ("thpt-nguyen-cong-tru", "Trường THPT Nguyễn Công Trứ", _U, "hanh-thong"),
    ("thpt-go-vap", "Trường THPT Gò Vấp", _U, "go-vap"),
    ("thpt-tran-hung-dao", "Trường THPT Trần Hưng Đạo", _U, "an-hoi-dong"),
    ("thpt-nguyen-trung-truc", "Trường THPT Nguyễn Trung Trực", _U, "thong-tay-hoi"),
]


# The plan's units that accounts belong to (DESIGN §1), by the codes accounts already use.
UNITS: list[tuple[str, str]] = [
    ("business_association", "Hội Doanh nghiệp Gò Vấp"),
    ("youth_union", "Đoàn Thanh niên Gò Vấp"),
    ("womens_union", "Hội Liên hiệp Phụ nữ Gò Vấp"),
    ("education_division", "Phòng Giáo dục và Đào tạo"),
    ("economic_division", "Phòng Kinh tế"),
]


def ward_committee_code(ward: str) -> str:
    return f"ward-committee-{ward}"


def organizations() -> list[dict[str, object]]:
    """The units, each current ward's People's Committee and every school (its code is
    the school's), seeded as organizations at first start."""
    seeded: list[dict[str, object]] = [
        {"code": code, "name": name, "kind": "district_unit", "ward": None, "active": True}
        for code, name in UNITS
    ]
    seeded += [
        {
            "code": ward_committee_code(code),
            "name": f"Ủy ban nhân dân {name}",
            "kind": "ward_committee",
            "ward": code,
            "active": True,
        }
        for code, (name, _) in _WARDS_2025_07.items()
    ]
    seeded += [
        {"code": code, "name": name, "kind": "school", "ward": ward, "active": True}
        for code, name, _, ward in SCHOOLS
    ]
    return seeded
