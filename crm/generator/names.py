"""Name, street and place pools for synthetic customers: Vietnamese (with real diacritics) and English."""

VI_FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
    "Dương", "Lý",
)
VI_FAMILY_WEIGHTS = (38, 11, 9, 7, 5, 5, 4, 4, 4, 2, 2, 2, 2, 2, 2, 1)
VI_MIDDLE_MALE = ("Văn", "Hữu", "Minh", "Đức", "Quốc", "Thanh", "Công", "Gia")
VI_MIDDLE_FEMALE = ("Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Bảo", "Hồng")
VI_GIVEN_MALE = (
    "An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Huy", "Khoa", "Long", "Nam", "Phong", "Quân", "Quang",
    "Sơn", "Tâm", "Thắng", "Tuấn", "Việt", "Đạt", "Khánh",
)
VI_GIVEN_FEMALE = (
    "Anh", "Châu", "Hà", "Hạnh", "Hương", "Lan", "Linh", "Mai", "Nga", "Nhung", "Phương", "Thảo", "Trang",
    "Vy", "Yến", "Hồng Nhung", "Thu Hà", "Ngọc Ánh", "Diệp", "Quỳnh",
)
EN_GIVEN = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah", "Daniel", "Emily", "Matthew", "Olivia",
)
EN_FAMILY = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
)
COMPANY_WORDS = (
    "Sao Mai", "Hoà Bình", "Phú Gia", "Thành Công", "Đông Á", "Bình Minh", "Việt Tiến", "Hưng Thịnh",
    "Tân Phát", "An Khang", "Minh Long", "Hải Âu", "Trường Sơn", "Kim Ngân", "Phương Nam",
)
COMPANY_KINDS = (
    "Công ty TNHH Thương mại {}", "Công ty Cổ phần Xây dựng {}", "Công ty TNHH Dịch vụ {}",
    "{} Trading Co., Ltd", "{} Logistics JSC",
)
# (city, province, postal code prefix, country, time zone)
PLACES = (
    ("Hồ Chí Minh", "Hồ Chí Minh", "700", "VN", "Asia/Ho_Chi_Minh"),
    ("Hà Nội", "Hà Nội", "100", "VN", "Asia/Ho_Chi_Minh"),
    ("Đà Nẵng", "Đà Nẵng", "550", "VN", "Asia/Ho_Chi_Minh"),
    ("Hải Phòng", "Hải Phòng", "180", "VN", "Asia/Ho_Chi_Minh"),
    ("Cần Thơ", "Cần Thơ", "900", "VN", "Asia/Ho_Chi_Minh"),
    ("Biên Hòa", "Đồng Nai", "810", "VN", "Asia/Ho_Chi_Minh"),
    ("Nha Trang", "Khánh Hòa", "650", "VN", "Asia/Ho_Chi_Minh"),
    ("Huế", "Thừa Thiên Huế", "530", "VN", "Asia/Ho_Chi_Minh"),
)
PLACE_WEIGHTS = (34, 28, 9, 7, 6, 6, 5, 5)
ABROAD = (
    ("Bangkok", None, "10", "TH", "Asia/Bangkok"),
    ("Singapore", None, "01", "SG", "Asia/Singapore"),
    ("London", None, "EC1", "GB", "Europe/London"),
    ("New York", "NY", "100", "US", "America/New_York"),
    ("Los Angeles", "CA", "900", "US", "America/Los_Angeles"),
)
STREETS = (
    "Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ",
    "Cách Mạng Tháng Tám", "Võ Văn Tần", "Pasteur", "Nguyễn Trãi", "Phan Đình Phùng", "Hoàng Diệu",
)
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "vnn.vn", "fpt.vn")
MOBILE_PREFIXES = ("90", "91", "93", "94", "96", "97", "98", "32", "33", "35", "70", "77", "81", "83", "86")
