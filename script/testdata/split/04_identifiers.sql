CREATE TABLE "semi;colon" ("a""b;c" int, "it's" text);
CREATE TABLE `back;tick` (`x``y;` int);
SELECT "" FROM t;
