fn main() {
    spillway_web::mount();
}
