"""Mexico City metro coverage for the sandbox: real postal codes, colonias and alcaldías.

Coordinates are each colonia's approximate centre; the generator scatters addresses a few
hundred metres around it. Postal codes outside this table get NO_COVERAGE.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Colonia(NamedTuple):
    postal_code: str
    neighborhood: str
    alcaldia: str
    lat: float
    lng: float


CITY: Final = "Ciudad de México"

COLONIAS: Final = (
    Colonia("06000", "Centro", "Cuauhtémoc", 19.4326, -99.1332),
    Colonia("06100", "Hipódromo", "Cuauhtémoc", 19.4110, -99.1700),
    Colonia("06140", "Condesa", "Cuauhtémoc", 19.4125, -99.1740),
    Colonia("06300", "Guerrero", "Cuauhtémoc", 19.4440, -99.1440),
    Colonia("06400", "Santa María la Ribera", "Cuauhtémoc", 19.4500, -99.1580),
    Colonia("06470", "San Rafael", "Cuauhtémoc", 19.4390, -99.1600),
    Colonia("06500", "Cuauhtémoc", "Cuauhtémoc", 19.4300, -99.1600),
    Colonia("06600", "Juárez", "Cuauhtémoc", 19.4270, -99.1590),
    Colonia("06700", "Roma Norte", "Cuauhtémoc", 19.4180, -99.1620),
    Colonia("06720", "Doctores", "Cuauhtémoc", 19.4200, -99.1470),
    Colonia("06760", "Roma Sur", "Cuauhtémoc", 19.4065, -99.1625),
    Colonia("06800", "Obrera", "Cuauhtémoc", 19.4180, -99.1430),
    Colonia("11000", "Lomas de Chapultepec", "Miguel Hidalgo", 19.4240, -99.2150),
    Colonia("11320", "Anáhuac", "Miguel Hidalgo", 19.4370, -99.1790),
    Colonia("11520", "Granada", "Miguel Hidalgo", 19.4400, -99.1920),
    Colonia("11550", "Polanco IV Sección", "Miguel Hidalgo", 19.4330, -99.1990),
    Colonia("11560", "Polanco V Sección", "Miguel Hidalgo", 19.4310, -99.1950),
    Colonia("11800", "Escandón", "Miguel Hidalgo", 19.4030, -99.1800),
    Colonia("11850", "Tacubaya", "Miguel Hidalgo", 19.4020, -99.1880),
    Colonia("03020", "Narvarte Poniente", "Benito Juárez", 19.3960, -99.1540),
    Colonia("03100", "Del Valle Centro", "Benito Juárez", 19.3860, -99.1660),
    Colonia("03200", "Tlacoquemécatl", "Benito Juárez", 19.3790, -99.1740),
    Colonia("03300", "Portales Norte", "Benito Juárez", 19.3700, -99.1450),
    Colonia("03400", "Álamos", "Benito Juárez", 19.3970, -99.1400),
    Colonia("03810", "Nápoles", "Benito Juárez", 19.3935, -99.1780),
    Colonia("03910", "Insurgentes Mixcoac", "Benito Juárez", 19.3710, -99.1830),
    Colonia("04000", "Villa Coyoacán", "Coyoacán", 19.3500, -99.1620),
    Colonia("04100", "Del Carmen", "Coyoacán", 19.3490, -99.1590),
    Colonia("04360", "Pedregal de Santo Domingo", "Coyoacán", 19.3290, -99.1680),
    Colonia("04510", "Ciudad Universitaria", "Coyoacán", 19.3230, -99.1860),
    Colonia("01000", "San Ángel", "Álvaro Obregón", 19.3460, -99.1900),
    Colonia("01210", "Santa Fe", "Álvaro Obregón", 19.3660, -99.2600),
    Colonia("14000", "Tlalpan Centro", "Tlalpan", 19.2940, -99.1670),
    Colonia("09000", "Iztapalapa Centro", "Iztapalapa", 19.3570, -99.0930),
    Colonia("07300", "Lindavista", "Gustavo A. Madero", 19.4870, -99.1300),
    Colonia("07050", "Villa de Guadalupe", "Gustavo A. Madero", 19.4840, -99.1170),
    Colonia("07800", "Industrial", "Gustavo A. Madero", 19.4700, -99.1250),
    Colonia("02000", "Azcapotzalco Centro", "Azcapotzalco", 19.4850, -99.1840),
    Colonia("02080", "Clavería", "Azcapotzalco", 19.4640, -99.1850),
    Colonia("15530", "Moctezuma 2a Sección", "Venustiano Carranza", 19.4330, -99.0990),
    Colonia("15700", "Jardín Balbuena", "Venustiano Carranza", 19.4230, -99.1040),
    Colonia("08400", "Granjas México", "Iztacalco", 19.4010, -99.1000),
    Colonia("08500", "Agrícola Oriental", "Iztacalco", 19.3960, -99.0700),
    Colonia("16000", "Xochimilco Centro", "Xochimilco", 19.2620, -99.1050),
    Colonia("10200", "San Jerónimo Lídice", "La Magdalena Contreras", 19.3290, -99.2230),
    Colonia("05000", "Cuajimalpa", "Cuajimalpa de Morelos", 19.3570, -99.2990),
)

COVERED_POSTAL_CODES: Final = frozenset(c.postal_code for c in COLONIAS)

STREETS: Final = (
    "Avenida Insurgentes Sur", "Calle Durango", "Avenida Álvaro Obregón", "Calle Colima",
    "Calle Tonalá", "Avenida Revolución", "Calle Orizaba", "Calle Querétaro", "Calle Medellín",
    "Avenida Universidad", "Calle Miguel Ángel de Quevedo", "Calle Amores", "Calle Pitágoras",
    "Avenida Cuauhtémoc", "Calle Emerson", "Calle Homero", "Calle Lope de Vega",
    "Avenida Montevideo", "Calle Sur 69", "Calle Oriente 172", "Calle Norte 45",
)
FIRST_NAMES: Final = (
    "María", "José", "Guadalupe", "Juan", "Fernanda", "Luis", "Ximena", "Carlos", "Sofía",
    "Miguel", "Valeria", "Jorge", "Daniela", "Alejandro", "Camila", "Ricardo", "Andrea",
)
LAST_NAMES: Final = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
)
