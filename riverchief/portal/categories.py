"""The public-friendly list of what people report, each mapped to an internal problem category.

Pure data (no Django): the public site's form and the Open311 services are both this list. A
code here is stable (Open311 clients store it); `internal` names a `problems.Category.code`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PublicCategory:
    code: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    internal: str  # problems.Category.code
    major: bool = False  # answered within the longer (major-case) public deadline

    def name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_zh

    def description(self, language: str) -> str:
        return self.description_en if language.startswith("en") else self.description_zh


PUBLIC_CATEGORIES: tuple[PublicCategory, ...] = (
    PublicCategory(
        "rubbish",
        "河边垃圾",
        "Rubbish on the bank",
        "河道、岸边堆放或倾倒垃圾、建筑渣土",
        "Rubbish or building waste dumped on the bank or in the channel",
        "luan_dui",
    ),
    PublicCategory(
        "floating",
        "水面漂浮物",
        "Floating rubbish",
        "水面上漂浮的垃圾、杂物、水草",
        "Rubbish, debris or weeds floating on the water",
        "floating_waste",
    ),
    PublicCategory(
        "sewage",
        "污水排放",
        "Sewage discharge",
        "污水、废水直接排进河里，或排污口冒出异常的水",
        "Sewage or waste water running straight into the river",
        "sewage_discharge",
    ),
    PublicCategory(
        "smelly_water",
        "水发黑发臭",
        "Black or smelly water",
        "河水颜色异常、发黑或有臭味",
        "Water of an odd colour, black, or smelling bad",
        "black_odorous",
    ),
    PublicCategory(
        "dead_fish",
        "死鱼或动物尸体",
        "Dead fish or animals",
        "水里或岸边有死鱼、死亡畜禽",
        "Dead fish or animals in the water or on the bank",
        "dead_animals",
    ),
    PublicCategory(
        "sand_mining",
        "偷采河沙",
        "Illegal sand mining",
        "在河道里挖沙、取土",
        "Sand or earth dug out of the river bed",
        "luan_cai",
        major=True,
    ),
    PublicCategory(
        "building",
        "违法建筑或占用河道",
        "Illegal building or encroachment",
        "在河道、河滩上盖房、修建、围垦或种植",
        "Buildings, fences, fields or plantations on the river bed or its banks",
        "luan_jian",
        major=True,
    ),
    PublicCategory(
        "fishing",
        "电鱼毒鱼",
        "Illegal fishing",
        "电鱼、毒鱼、炸鱼或拦河设网",
        "Fishing with electricity, poison or nets across the river",
        "illegal_fishing",
    ),
    PublicCategory(
        "bank_damage",
        "堤岸损坏",
        "Damaged bank or dyke",
        "堤防、护岸出现裂缝、塌陷或缺口",
        "Cracks, collapses or breaches in a bank or dyke",
        "embankment_damage",
    ),
    PublicCategory(
        "signboard",
        "公示牌损坏",
        "Damaged signboard",
        "河长公示牌缺失、损坏或信息过时",
        "A river chief signboard missing, damaged or out of date",
        "signboard",
    ),
    PublicCategory(
        "other",
        "其他问题",
        "Something else",
        "其他与河湖有关的问题",
        "Any other problem with a river or lake",
        "other",
    ),
)

BY_CODE: dict[str, PublicCategory] = {category.code: category for category in PUBLIC_CATEGORIES}


def find(code: str) -> PublicCategory | None:
    return BY_CODE.get((code or "").strip())
